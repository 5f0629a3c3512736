import 'reflect-metadata';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { projectRoot } from '../src/platform/local/project-root';
import { BenchEnvironment } from './bench-environment';
import { benchCallsPerOnboarding } from './calls-per-onboarding.bench';
import { benchClientLimited, benchClientUnlimited } from './client.bench';
import { benchEndToEnd } from './end-to-end.bench';
import { benchIngestion } from './ingestion.bench';
import { now } from './measure';
import { BenchReport, Figure, machineInfo, renderTable, round2, writeReport } from './report';
import { benchScale } from './scale';
import { benchPortalSoak, benchSoak } from './soak.bench';
import { benchStatusQueries } from './status-queries.bench';

/**
 * `npm run bench`: the Workato client against the sandbox (1a unlimited, 1b limited), ingestion
 * from Kafka (2), onboardings end to end (3), the soak at 10 rps with the service in a process
 * of its own (4) and status queries as the table grows (5), each beside its baseline or target.
 * Prints progress, then a table; writes every figure to bench/results/latest.json. See
 * docs/benchmarks.md.
 */
async function main(): Promise<number> {
  const started = now();
  const log = (line: string) =>
    process.stdout.write(`[${((now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
  const scale = benchScale();
  const machine = machineInfo();
  const env = new BenchEnvironment(log);
  const figures: Figure[] = [];
  const errors: BenchReport['errors'] = [];

  // Whatever ends the run, the embedded Postgres and the local broker are stopped and removed.
  let aborting = false;
  const abort = (why: string, code: number) => {
    if (aborting) return;
    aborting = true;
    log(`${why}: stopping`);
    void env.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => abort('SIGINT', 130));
  process.on('SIGTERM', () => abort('SIGTERM', 143));
  process.on('uncaughtException', (error) =>
    abort(`uncaught exception: ${error.stack ?? error.message}`, 1),
  );
  process.on('unhandledRejection', (reason) =>
    abort(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`, 1),
  );

  log(
    `workato-onboarding bench, BENCH_SCALE=${scale.name}: ${machine.cpus} cpus (${machine.cpuModel}), ` +
      `${Math.round(machine.memoryBytes / 2 ** 30)} GiB, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  // BENCH_ONLY=4,5 runs only those benches: a number names all its parts (4: 4 and 4b), an id
  // with its letter (1b, 4b) only that one.
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const selected = (bench: string) => {
    const id = bench.split('@')[0];
    return only.includes(id) || only.includes(/^\d+/.exec(id)?.[0] ?? id);
  };
  const attempt = async <T>(bench: string, run: () => Promise<T>): Promise<T | null> => {
    if (only.length > 0 && !selected(bench)) return null;
    try {
      return await run();
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`ERROR in ${bench}: ${text}`);
      errors.push({ bench, error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  };

  try {
    await env.start();
    log(`Postgres: ${env.info.postgres}`);
    log(`Kafka: ${env.info.kafka}`);

    const unlimited = await attempt('1a', () => benchClientUnlimited(env, scale, log));
    if (unlimited) figures.push(...unlimited);
    for (const margin of scale.safetyMarginsMs) {
      const limited = await attempt(`1b@${margin}ms`, () =>
        benchClientLimited(env, scale, margin, log),
      );
      if (limited) figures.push(...limited);
    }
    const ingestion = await attempt('2', () => benchIngestion(env, scale, log));
    if (ingestion) figures.push(...ingestion.figures);
    const runs = [
      ...scale.endToEndConcurrency.map((concurrency) => ({
        concurrency,
        workspaces: 'per-event' as const,
      })),
      { concurrency: scale.endToEndConcurrency[0], workspaces: 'one' as const },
    ];
    for (const { concurrency, workspaces } of runs) {
      const e2e = await attempt(`3@${concurrency}/${workspaces}`, () =>
        benchEndToEnd(
          env,
          {
            onboardings: scale.endToEndOnboardings,
            concurrency,
            workspaces,
            ingestionEventsPerSecond: ingestion?.eventsPerSecond ?? null,
            clientRequestsPerSecond: unlimited?.[0]?.value ?? null,
            scale: scale.name,
          },
          log,
        ),
      );
      if (e2e) figures.push(...e2e);
    }
    const soak = await attempt('4', () => benchSoak(env, scale, log));
    if (soak) figures.push(...soak);
    const portalSoak = await attempt('4b', () => benchPortalSoak(env, scale, log));
    if (portalSoak) figures.push(...portalSoak);
    const queries = await attempt('5', () => benchStatusQueries(env, scale, log));
    if (queries) figures.push(...queries);
    const calls = await attempt('6', () => benchCallsPerOnboarding(env, scale, log));
    if (calls) figures.push(...calls);
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`ERROR: ${text}`);
    errors.push({ bench: 'environment', error: error instanceof Error ? error.message : text });
  } finally {
    await env.stop();
  }

  machine.loadAverageAtEnd = loadavg().map(round2);
  const report: BenchReport = {
    timestamp: new Date().toISOString(),
    command:
      `${scale.name === 'small' ? 'BENCH_SCALE=small ' : ''}` +
      `${only.length > 0 ? `BENCH_ONLY=${only.join(',')} ` : ''}npm run bench`,
    scale: scale.name,
    machine,
    infrastructure: { ...env.info },
    durationSeconds: round2((now() - started) / 1000),
    figures,
    errors,
  };
  const path = resolve(projectRoot(), 'bench/results/latest.json');
  writeReport(path, report);

  process.stdout.write(`\n${renderTable(figures)}\n\n`);
  for (const e of errors) process.stdout.write(`FAILED: bench ${e.bench}: ${e.error}\n`);
  const missed = figures.filter((f) => f.target && !f.target.met);
  for (const f of missed)
    process.stdout.write(`MISS: ${f.id} ${f.name}: target ${f.target?.description}\n`);
  process.stdout.write(
    `written ${path} (${report.durationSeconds} s, load ${machine.loadAverageAtEnd.join(' ')})\n`,
  );
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
