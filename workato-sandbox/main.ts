import { DEFAULT_SEED } from './default-seed';
import { startSandbox } from './sandbox.server';
import { loadSeedFile, SandboxSeed } from './sandbox.seed';

/**
 * `npm run sandbox`: the Workato sandbox on its own, for trying the API by hand or pointing a
 * locally started orchestrator at it. Defaults mirror Workato's documented limits.
 */
function rateLimit(name: string, raw: string | undefined, fallback: number): number | null {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim().toLowerCase() === 'unlimited') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number or "unlimited", got "${raw}"`);
  }
  return value;
}

function port(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 4010;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const env = process.env;
  const seed: SandboxSeed = env.SANDBOX_SEED_FILE
    ? loadSeedFile(env.SANDBOX_SEED_FILE)
    : DEFAULT_SEED;
  const sandbox = await startSandbox({
    port: port(env.SANDBOX_PORT),
    host: env.SANDBOX_HOST || '127.0.0.1',
    token: env.SANDBOX_TOKEN || 'sandbox-token',
    seed,
    rateLimitRps: rateLimit('SANDBOX_RATE_LIMIT_RPS', env.SANDBOX_RATE_LIMIT_RPS, 10),
    portalRateLimitPerMinute: rateLimit(
      'SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE',
      env.SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE,
      60,
    ),
  });
  const ids = seed.managedUsers.map((mu) =>
    mu.externalId ? `${mu.id} (E${mu.externalId})` : String(mu.id),
  );
  process.stdout.write(
    [
      `Workato sandbox listening on ${sandbox.url}`,
      `  bearer token:   ${sandbox.token}`,
      `  managed users:  ${ids.join(', ')}`,
      `  control API:    ${sandbox.url}/__sandbox/state`,
      '',
    ].join('\n'),
  );

  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start` (src/platform/local/local-sandbox.ts): go when the service has gone, even if
  // it was killed without a chance to stop us.
  const parent = Number(env.SANDBOX_PARENT_PID);
  if (Number.isInteger(parent) && parent > 0)
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        stop();
      }
    }, 1000).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
