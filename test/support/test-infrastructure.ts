import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** Written by global-setup for the test workers (env is inherited by the worker processes). */
export function testDatabaseAdminUrl(): string {
  const url = process.env.TEST_DATABASE_ADMIN_URL;
  if (!url)
    throw new Error('TEST_DATABASE_ADMIN_URL is unset: run the tests through jest (global-setup)');
  return url;
}

export function testKafkaBrokers(): string[] {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers)
    throw new Error('TEST_KAFKA_BROKERS is unset: run the tests through jest (global-setup)');
  return brokers.split(',');
}

/** A free TCP port on loopback (several test runs may share the machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface TestKafka {
  port: number;
  runDir: string;
}

export function kafkaScript(command: 'start' | 'stop' | 'status', kafka: TestKafka): string {
  return execFileSync('bash', [resolve(ROOT, 'scripts/kafka/kafka.sh'), command], {
    env: {
      ...process.env,
      KAFKA_PORT: String(kafka.port),
      KAFKA_CONTROLLER_PORT: String(kafka.port + 1),
      KAFKA_RUN_DIR: kafka.runDir,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
