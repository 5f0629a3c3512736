import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { startSandbox } from '../workato-sandbox/sandbox.server';
import { activityPer, BenchEnvironment, databaseActivity } from './bench-environment';
import { customerOnboarded, produceEvents, runTag, unseededWorkspaces } from './events';
import { describeLogged, Log, now, sleep, withProgress } from './measure';
import { Figure, figure, formatNumber } from './report';
import { BenchScale } from './scale';
import { startService } from './service';

/** Partitions of the bench topics: the service's KAFKA_TOPIC_PARTITIONS default. */
const PARTITIONS = 6;
/** The service consumer's partitionsConsumedConcurrently (src/onboarding/intake/onboarding-events.consumer.ts). */
const CONSUMER_CONCURRENCY = 4;
const TIMEOUT_MS = 5 * 60_000;

/**
 * 2: events/second from Kafka to committed onboarding rows, with only ingestion running
 * (ONBOARDING_RUNNER_ENABLED=false), beside what kafkajs alone reads from the same topic and
 * what Postgres alone commits one row at a time.
 */
export async function benchIngestion(
  env: BenchEnvironment,
  scale: BenchScale,
  log: Log,
): Promise<{ figures: Figure[]; eventsPerSecond: number }> {
  const n = scale.ingestionEvents;
  const db = await env.createDatabase('ingestion', 5);
  const topics = await env.createTopics('ingestion', PARTITIONS);
  const sandbox = await startSandbox({ port: 0, limits: 'off' });
  const kafka = env.kafka('bench-ingestion');
  try {
    const tag = runTag();
    // One managed user per event, as partners onboard one customer per event: the keys spread
    // over the partitions.
    const workspaces = unseededWorkspaces(n);
    const events = workspaces.map((ws, i) => customerOnboarded(tag, i, ws));
    const bytes = Buffer.byteLength(JSON.stringify(events[0]));
    let t = now();
    await produceEvents(kafka, topics.onboarded, events);
    log(
      `2: produced ${n} events (${bytes} bytes each) to ${PARTITIONS} partitions in ${((now() - t) / 1000).toFixed(1)} s`,
    );

    // Baseline (i): a plain consumer of a new group that does nothing with the messages.
    log(
      `2 baseline: kafkajs consume-only, new group, partitionsConsumedConcurrently ${CONSUMER_CONCURRENCY}`,
    );
    const consumer = kafka.consumer({ groupId: `${topics.groupId}.consume-only` });
    let consumed = 0;
    let firstAt = 0;
    let lastAt = 0;
    const runAt = now();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: topics.onboarded, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consume-only read only ${consumed}/${n} in time`)),
          TIMEOUT_MS,
        );
        void consumer.run({
          partitionsConsumedConcurrently: CONSUMER_CONCURRENCY,
          eachMessage: async () => {
            consumed++;
            if (consumed === 1) firstAt = now();
            if (consumed === n) {
              lastAt = now();
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    const consumeRate = (n - 1) / ((lastAt - firstAt) / 1000);
    log(
      `   ${formatNumber(consumeRate)} msg/s (first message ${((firstAt - runAt) / 1000).toFixed(1)} s after run())`,
    );

    // Baseline (ii): single-row INSERTs in autocommit into a scratch table shaped like the inbox.
    const insertRows = scale.insertRows;
    const request = JSON.stringify(events[0]);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    let sequentialRate: number;
    try {
      await client.query(`CREATE TABLE bench_insert (
        id uuid PRIMARY KEY, event_id text NOT NULL UNIQUE, request jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())`);
      log(`2 baseline: Postgres single-row INSERT, autocommit, sequential, ${insertRows} rows`);
      t = now();
      for (let i = 0; i < insertRows; i++)
        await client.query('INSERT INTO bench_insert (id, event_id, request) VALUES ($1, $2, $3)', [
          randomUUID(),
          `seq-${i}`,
          request,
        ]);
      sequentialRate = insertRows / ((now() - t) / 1000);
      log(`   ${formatNumber(sequentialRate)} rows/s`);
    } finally {
      await client.end();
    }
    log(
      `2 baseline: Postgres single-row INSERT, autocommit, ${CONSUMER_CONCURRENCY} concurrent, ${insertRows} rows`,
    );
    const pool = new Pool({ connectionString: db.url, max: CONSUMER_CONCURRENCY });
    let concurrentRate: number;
    try {
      let next = 0;
      t = now();
      await Promise.all(
        Array.from({ length: CONSUMER_CONCURRENCY }, async () => {
          while (next < insertRows) {
            const i = next++;
            await pool.query(
              'INSERT INTO bench_insert (id, event_id, request) VALUES ($1, $2, $3)',
              [randomUUID(), `conc-${i}`, request],
            );
          }
        }),
      );
      concurrentRate = insertRows / ((now() - t) / 1000);
      log(`   ${formatNumber(concurrentRate)} rows/s`);
    } finally {
      await pool.end();
    }

    // The service, ingestion only.
    log(`2: the service in-process (ONBOARDING_RUNNER_ENABLED=false) ingesting ${n} events`);
    const count = async () =>
      Number(
        (
          (await db.dataSource.query('SELECT count(*)::int AS n FROM onboarding')) as {
            n: number;
          }[]
        )[0].n,
      );
    const before = await databaseActivity(db.dataSource);
    let polls = 0;
    const startedAt = now();
    const service = await startService(
      env.serviceSettings(db, topics, sandbox, { ONBOARDING_RUNNER_ENABLED: 'false' }),
    );
    const bootedAt = now();
    let first = { at: 0, rows: 0 };
    let done = 0;
    let rows = 0;
    try {
      await withProgress(
        log,
        2_000,
        () => `   ${rows}/${n} rows`,
        async () => {
          const deadline = now() + TIMEOUT_MS;
          for (;;) {
            rows = await count();
            polls++;
            const at = now();
            if (rows > 0 && first.at === 0) first = { at, rows };
            if (rows >= n) {
              done = at;
              return;
            }
            if (at > deadline) throw new Error(`only ${rows}/${n} onboardings ingested in time`);
            await sleep(50);
          }
        },
      );
    } finally {
      await service.close();
    }
    // Backends flush their statistics when they exit.
    await sleep(1_100);
    const perEvent = activityPer(before, await databaseActivity(db.dataSource), n, polls + 1);
    const rate = (n - first.rows) / ((done - first.at) / 1000);
    log(
      `   ${formatNumber(rate)} events/s (boot ${((bootedAt - startedAt) / 1000).toFixed(1)} s, ` +
        `first row ${((first.at - startedAt) / 1000).toFixed(1)} s after start); ` +
        `per event: ${perEvent.commits} commits, ${perEvent.walSyncs} WAL flushes`,
    );
    log(`   service warnings/errors: ${describeLogged(service.logged)}`);

    const details = {
      events: n,
      eventBytes: bytes,
      partitions: PARTITIONS,
      partitionsConsumedConcurrently: CONSUMER_CONCURRENCY,
      databasePoolSize: 20,
      bootSeconds: (bootedAt - startedAt) / 1000,
      firstRowAfterStartSeconds: (first.at - startedAt) / 1000,
      measuredSeconds: (done - first.at) / 1000,
      rowsAtFirstObservation: first.rows,
      databasePerEvent: perEvent,
      serviceLogged: service.logged,
      overallEventsPerSecondIncludingBoot: n / ((done - startedAt) / 1000),
      consumeOnly: {
        messagesPerSecond: consumeRate,
        seconds: (lastAt - firstAt) / 1000,
        firstMessageAfterRunSeconds: (firstAt - runAt) / 1000,
      },
      postgresInsert: {
        rows: insertRows,
        sequentialRowsPerSecond: sequentialRate,
        concurrentRowsPerSecond: concurrentRate,
        concurrency: CONSUMER_CONCURRENCY,
      },
    };
    const name = 'Ingestion, Kafka -> committed onboarding rows';
    return {
      eventsPerSecond: rate,
      figures: [
        figure({
          id: '2',
          name,
          value: rate,
          unit: 'events/s',
          baseline: { name: 'kafkajs consume-only', value: consumeRate, unit: 'msg/s' },
          details,
        }),
        figure({
          id: '2',
          name,
          value: rate,
          unit: 'events/s',
          baseline: { name: 'pg 1-row INSERT, sequential', value: sequentialRate, unit: 'rows/s' },
        }),
        figure({
          id: '2',
          name,
          value: rate,
          unit: 'events/s',
          baseline: {
            name: `pg 1-row INSERT, ${CONSUMER_CONCURRENCY} concurrent`,
            value: concurrentRate,
            unit: 'rows/s',
          },
        }),
      ],
    };
  } finally {
    await sandbox.close().catch(() => undefined);
    await env.deleteTopics(topics);
    await db.drop().catch(() => undefined);
  }
}
