import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { projectRoot } from '../../src/platform/local/project-root';

/** The repository root, from test/support under jest or from dist/test/support (the bench). */
export const ROOT = projectRoot();

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

/** Whether `port` on loopback can be listened on now. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/** A free port for a local broker whose controller listens on the next one: both free. */
export async function freeKafkaPort(): Promise<number> {
  let port = await freePort();
  while (!(await isPortFree(port + 1))) port = await freePort();
  return port;
}

export interface TestKafka {
  port: number;
  runDir: string;
}

/** The environment scripts/kafka/kafka.sh reads for a broker on `kafka.port`. */
export function kafkaScriptEnvironment(kafka: TestKafka): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_PORT: String(kafka.port),
    KAFKA_CONTROLLER_PORT: String(kafka.port + 1),
    KAFKA_RUN_DIR: kafka.runDir,
  };
}

export const KAFKA_SCRIPT = resolve(ROOT, 'scripts/kafka/kafka.sh');

export function kafkaScript(command: 'start' | 'stop' | 'status', kafka: TestKafka): string {
  return execFileSync('bash', [KAFKA_SCRIPT, command], {
    env: kafkaScriptEnvironment(kafka),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
