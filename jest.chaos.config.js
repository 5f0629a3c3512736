/**
 * The fault suite (`npm run test:chaos`): scenarios in test/chaos/*.chaos.ts that kill and
 * restart the service, Postgres and Kafka, storm the Workato sandbox and feed malformed
 * messages, each ending with the shared invariant check (test/chaos/invariants.ts).
 * CHAOS_SIZE=reduced is the CI size (whole suite well under 6 minutes on 2 cores);
 * full (the default) runs more onboardings and more kills. See docs/reliability.md.
 *
 * @type {import('jest').Config}
 */
const size = process.env.CHAOS_SIZE ?? 'full';

module.exports = {
  // The same Postgres and Kafka broker as `npm test`, started once for the run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  // Scenarios are heavy (service processes, brokers, databases): one at a time.
  maxWorkers: 1,
  testTimeout: size === 'reduced' ? 5 * 60_000 : 20 * 60_000,
};
