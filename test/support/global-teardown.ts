import { rmSync } from 'node:fs';
import { kafkaScript } from './test-infrastructure';

export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__TEST_INFRA__;
  if (infra?.kafka) kafkaScript('stop', infra.kafka);
  if (infra?.stopPostgres) await infra.stopPostgres();
  if (infra?.postgresDir) rmSync(infra.postgresDir, { recursive: true, force: true });
}
