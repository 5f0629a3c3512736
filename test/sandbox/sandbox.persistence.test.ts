import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { StateFileWriter } from '../../workato-sandbox/sandbox.persistence';
import {
  RunningSandbox,
  SandboxControl,
  SandboxOptions,
  startSandbox,
} from '../../workato-sandbox/sandbox.server';
import { SandboxState } from '../../workato-sandbox/sandbox.state';

/**
 * State that survives a restart: a sandbox with a state file comes back with what it had, hands
 * out no id twice, goes back to the seed on reset, and keeps faults, calls and stats in memory.
 */
const MU = '/api/managed_users/5454';
const MU_V2 = '/api/v2/managed_users/5454';

let dir: string;
let file: string;
const running: RunningSandbox[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  file = join(dir, 'state.json');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({ limits: 'off', stateFile: file, ...options });
  running.push(sandbox);
  return { sandbox, control: new SandboxControl(sandbox.url) };
}

async function stop(sandbox: RunningSandbox): Promise<void> {
  running.splice(running.indexOf(sandbox), 1);
  await sandbox.close();
}

async function api(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
  // Tests read arbitrary response shapes; a loose type keeps assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const response = await request(`${sandbox.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${sandbox.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  expect([method, path, response.statusCode]).toEqual([method, path, 200]);
  return JSON.parse(text);
}

/** A collection, a client on it and a key: the ids the orchestrator would keep. */
async function provision(sandbox: RunningSandbox, name: string): Promise<number[]> {
  const collection = await api(sandbox, 'POST', `${MU}/api_collections?project_id=523144`, {
    name,
  });
  const client = await api(sandbox, 'POST', `${MU_V2}/api_clients`, {
    name,
    auth_type: 'token',
    api_collection_ids: [collection.id],
  });
  const key = await api(sandbox, 'POST', `${MU_V2}/api_clients/${client.data.id}/api_keys`, {
    name: 'Production',
    active: true,
  });
  return [collection.id, client.data.id, key.data.id];
}

async function allIds(control: SandboxControl): Promise<number[]> {
  const state = await control.state();
  return state.managedUsers.flatMap((mu) => [
    ...mu.collections.map((c) => c.id as number),
    ...mu.endpoints.flatMap((e) => [e.id as number, e.flow_id as number]),
    ...mu.clients.map((c) => c.id as number),
    ...mu.keys.map((k) => k.id as number),
  ]);
}

function readState(): { nextId: number; managedUsers: { id: number; clients: unknown[] }[] } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('a state file', () => {
  it('brings workspaces, clients and keys back after a restart, and never repeats an id', async () => {
    const first = await start();
    await provision(first.sandbox, 'Before restart');
    await first.control.seed({
      managedUsers: [{ id: 777, externalId: 'x/1', name: 'Seeded later', projects: [] }],
    });
    const before = await first.control.state();
    const idsBefore = await allIds(first.control);
    await stop(first.sandbox);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await start();
    expect(await second.control.state()).toEqual(before);
    // The external id index comes back too.
    const listed = await api(second.sandbox, 'GET', '/api/managed_users/E12345/api_collections');
    expect(listed.result.map((c: { name: string }) => c.name)).toEqual(['Before restart']);
    expect((await second.control.managedUser('Ex/1')).name).toBe('Seeded later');

    const created = await provision(second.sandbox, 'After restart');
    const idsAfter = (await allIds(second.control)).filter((id) => !idsBefore.includes(id));
    expect(idsAfter).toEqual(expect.arrayContaining(created));
    expect(Math.min(...idsAfter)).toBeGreaterThan(Math.max(...idsBefore));
  });

  it('is written after each change, not only on close, a burst at a time', async () => {
    const { sandbox } = await start();
    await provision(sandbox, 'Written soon');
    await eventually(() => readFileSync(file, 'utf8').includes('Written soon'), 'the write');
    // Atomic writes leave no temporary file behind.
    await eventually(() => readdirSync(dir).length === 1, 'the temporary files to go');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('goes back to the seed on reset, rewrites the file, and keeps counting ids', async () => {
    const { sandbox, control } = await start();
    const [collectionBefore] = await provision(sandbox, 'Gone after reset');
    await control.reset();
    await eventually(() => !readFileSync(file, 'utf8').includes('Gone after reset'), 'the rewrite');
    expect(readState().managedUsers.every((mu) => mu.clients.length === 0)).toBe(true);
    const [collectionAfter] = await provision(sandbox, 'After reset');
    expect(collectionAfter).toBeGreaterThan(collectionBefore);
  });

  it('starts from the seed with resetState, ids still counting on', async () => {
    const first = await start();
    const idsBefore = await provision(first.sandbox, 'Old');
    await stop(first.sandbox);

    const second = await start({ resetState: true });
    const state = await second.control.state();
    expect(state.managedUsers.every((mu) => mu.collections.length === 0)).toBe(true);
    // Rewritten at start, not at the first change.
    expect(readFileSync(file, 'utf8')).not.toContain('Old');
    const [collection] = await provision(second.sandbox, 'New');
    expect(collection).toBeGreaterThan(Math.max(...idsBefore));
  });

  it('keeps faults, calls and stats in memory only', async () => {
    const first = await start();
    await first.control.addFault({ path: 'never-matches', count: -1 });
    await api(first.sandbox, 'GET', `${MU}/api_collections`);
    await stop(first.sandbox);

    const second = await start();
    expect(await second.control.faults()).toEqual([]);
    expect(await second.control.calls()).toEqual([]);
    expect((await second.control.stats()).requests).toBe(0);
  });

  it('creates the directory of the file', async () => {
    file = join(dir, 'nested', 'deeper', 'state.json');
    await start();
    expect(readState().nextId).toBeGreaterThan(100_000);
  });

  it('refuses to start on a file it cannot read, naming the file and the problem', async () => {
    writeFileSync(file, '{"format": ');
    await expect(start()).rejects.toThrow(/state\.json: not valid JSON/);
    writeFileSync(
      file,
      JSON.stringify({
        format: 'workato-sandbox-state',
        version: 1,
        nextId: 'x',
        managedUsers: [],
      }),
    );
    await expect(start()).rejects.toThrow(/state\.json: nextId/);
    // Nothing was overwritten.
    expect(readFileSync(file, 'utf8')).toContain('"nextId":"x"');
  });

  it('coalesces a stream of changes into at most one write per 200 ms', async () => {
    const state = new SandboxState();
    const writer = new StateFileWriter(file, state);
    writer.attach();
    const exports = jest.spyOn(state, 'exportState');
    state.applySeed({ managedUsers: [] });
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      state.applySeed({ managedUsers: [{ id: i + 1, name: `W${i}`, projects: [], portals: [] }] });
      await sleep(20);
    }
    const elapsed = Date.now() - started;
    await writer.close();
    expect(exports.mock.calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 2);
    expect(exports.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(readState().managedUsers).toHaveLength(30);
  });
});
