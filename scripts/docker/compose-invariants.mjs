#!/usr/bin/env node
// What docker-compose.yml promises, checked on the configuration Compose resolved (as JSON):
//   node scripts/docker/compose-invariants.mjs base|postgres-port resolved.json
// Run by scripts/docker/validate-compose.sh. Exits 1 listing every broken promise.
/* global process, console */
import { readFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
if (!['base', 'postgres-port'].includes(mode) || !file) {
  console.error('usage: compose-invariants.mjs base|postgres-port resolved.json');
  process.exit(2);
}
const config = JSON.parse(readFileSync(file, 'utf8'));
const services = config.services ?? {};
const problems = [];
const expect = (ok, message) => {
  if (!ok) problems.push(message);
};

/** Ports as Compose 1.29 prints them: "127.0.0.1:3000:3000/tcp" (or objects in v2's form). */
function published(service) {
  return (services[service]?.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return { ip: p.host_ip ?? '', host: String(p.published), container: String(p.target) };
    const parts = String(p)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const [container, host, ip] = parts.reverse();
    return { ip: ip ?? '', host: host ?? '', container };
  });
}

function env(service) {
  const e = services[service]?.environment ?? {};
  if (!Array.isArray(e)) return e;
  return Object.fromEntries(e.map((kv) => [kv.split('=')[0], kv.split('=').slice(1).join('=')]));
}

function namedVolumeAt(service, target) {
  return (services[service]?.volumes ?? []).some((v) => {
    const [source, path] = typeof v === 'object' ? [v.source, v.target] : String(v).split(':');
    return path === target && source in (config.volumes ?? {});
  });
}

for (const name of ['postgres', 'kafka', 'sandbox', 'app'])
  expect(name in services, `service ${name} is missing`);

for (const name of Object.keys(services))
  for (const port of published(name))
    expect(
      port.ip === '127.0.0.1',
      `${name} publishes ${port.host}:${port.container} beyond 127.0.0.1 (the dev tokens are public)`,
    );

// Postgres: not published by default (a local Postgres has 5432); the override publishes it.
const pgPorts = published('postgres');
if (mode === 'base') expect(pgPorts.length === 0, 'postgres is published by default');
else
  expect(
    pgPorts.some((p) => p.container === '5432'),
    'the override does not publish postgres',
  );
expect(namedVolumeAt('postgres', '/var/lib/postgresql/data'), 'postgres has no named volume');

// Kafka: an internal listener for the containers, a host listener advertised as localhost:<the
// published port>, forwarded to the container port that listener binds.
const kafka = env('kafka');
const advertised = String(kafka.KAFKA_ADVERTISED_LISTENERS ?? '').split(',');
const listeners = String(kafka.KAFKA_LISTENERS ?? '').split(',');
expect(advertised.includes('INTERNAL://kafka:9092'), 'kafka does not advertise kafka:9092 inside');
const hostListener = advertised.find((l) => /^[A-Z_]+:\/\/localhost:\d+$/.test(l));
expect(hostListener, 'kafka advertises no localhost:<port> listener for the host');
if (hostListener) {
  const [listenerName, , hostPort] = hostListener.split(/:\/\/|:/);
  const bound = listeners.find((l) => l.startsWith(`${listenerName}://`));
  const containerPort = bound?.split(':').pop();
  expect(
    published('kafka').some((p) => p.host === hostPort && p.container === containerPort),
    `kafka's host listener (${hostListener}) is not published as ${hostPort}:${containerPort}`,
  );
}
expect(env('app').KAFKA_BROKERS === 'kafka:9092', 'the app does not use kafka:9092');
expect(namedVolumeAt('kafka', kafka.KAFKA_LOG_DIRS), 'kafka has no named volume on its log dir');

// The sandbox: its own service, listening on all interfaces of its container, state on a volume.
const sandbox = env('sandbox');
expect(services.sandbox?.build?.target === 'sandbox', 'the sandbox is not the `sandbox` target');
expect(sandbox.SANDBOX_HOST === '0.0.0.0', 'the sandbox does not listen on 0.0.0.0');
const stateFile = String(sandbox.SANDBOX_STATE_FILE ?? '');
expect(
  stateFile !== '' && namedVolumeAt('sandbox', stateFile.replace(/\/[^/]+$/, '')),
  'SANDBOX_STATE_FILE is not on a named volume',
);

// The service: the production image with explicit dev secrets, talking to the sandbox.
const app = env('app');
expect(services.app?.build?.target === 'app', 'the app is not the `app` target');
expect(app.NODE_ENV === 'production', 'the app does not run with NODE_ENV=production');
expect(app.WORKATO_BASE_URL === 'http://sandbox:4010', 'the app does not use the sandbox');
expect(
  app.WORKATO_API_TOKEN && app.WORKATO_API_TOKEN === sandbox.SANDBOX_TOKEN,
  "the app's WORKATO_API_TOKEN is not the sandbox's token",
);
for (const name of ['DATABASE_URL', 'SECRETS_ENCRYPTION_KEY', 'API_TOKENS'])
  expect(app[name], `the app has no ${name} (required in production)`);
expect(app.DATA_DIR && namedVolumeAt('app', app.DATA_DIR), "the app's DATA_DIR is not a volume");
for (const dependency of ['postgres', 'kafka', 'sandbox'])
  expect(
    services.app?.depends_on?.[dependency]?.condition === 'service_healthy',
    `the app does not wait for ${dependency} to be healthy`,
  );

if (problems.length > 0) {
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
