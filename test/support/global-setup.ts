import { resolve } from 'node:path';
import { startEmbeddedPostgres } from '../../src/platform/local/embedded-postgres';
import { freeKafkaPort, freePort, kafkaScript, ROOT, TestKafka } from './test-infrastructure';

declare global {
  var __TEST_INFRA__:
    { stopPostgres?: () => Promise<void>; postgresDir?: string; kafka?: TestKafka } | undefined;
}

/**
 * Starts what the integration tests need, unless given: an embedded PostgreSQL (DATABASE_URL
 * unset) and a Kafka broker from scripts/kafka (KAFKA_BROKERS unset). Ports and directories are
 * this run's own, so two test runs on one machine do not collide.
 */
export default async function globalSetup(): Promise<void> {
  const infra: NonNullable<typeof globalThis.__TEST_INFRA__> = {};
  globalThis.__TEST_INFRA__ = infra;
  const runId = `${process.pid}`;

  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_ADMIN_URL = process.env.DATABASE_URL;
  } else {
    const dataDir = resolve(ROOT, `.data/test-${runId}`);
    const pg = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'postgres',
    });
    infra.stopPostgres = pg.stop;
    infra.postgresDir = dataDir;
    process.env.TEST_DATABASE_ADMIN_URL = pg.url;
  }

  if (process.env.KAFKA_BROKERS) {
    process.env.TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
  } else {
    const port = await freeKafkaPort();
    const kafka = { port, runDir: resolve(ROOT, `.data/test-kafka-${runId}`) };
    kafkaScript('start', kafka);
    infra.kafka = kafka;
    process.env.TEST_KAFKA_BROKERS = `127.0.0.1:${port}`;
  }
}
