import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { sandboxEntryPoint } from '../src/platform/local/local-sandbox';
import { freePort } from '../test/support/test-infrastructure';
import { sleep } from './measure';

/** A sandbox running as a process of its own. */
export interface SandboxProcess {
  url: string;
  token: string;
  close(): Promise<void>;
}

const TOKEN = 'bench-sandbox-token';

/**
 * The built sandbox (`node dist/workato-sandbox/main.js`) as a child process, at Workato's
 * published limits with `arrivalJitterMs` of arrival jitter. The soaks use it rather than a
 * sandbox inside the bench process: the sandbox takes each request's receipt time, and in the
 * bench process a pause of the bench's own (sampling, a large call log, a GC) would record a
 * request late and make two sends a slot apart look closer than they were.
 */
export async function startSandboxProcess(options: {
  arrivalJitterMs: number;
}): Promise<SandboxProcess> {
  const entry = sandboxEntryPoint();
  if (!existsSync(entry)) throw new Error(`${entry} is missing: npm run bench builds it first`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [entry], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      SANDBOX_PORT: String(port),
      SANDBOX_TOKEN: TOKEN,
      SANDBOX_LIMITS: 'workato',
      SANDBOX_ARRIVAL_JITTER_MS: String(options.arrivalJitterMs),
      // Gone with the bench, whatever ends it.
      SANDBOX_PARENT_PID: String(process.pid),
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the sandbox exited with ${child.exitCode}: ${stderr.trim()}`);
    const up = await fetch(`${url}/__sandbox/config`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the sandbox did not start on ${url}: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  return {
    url,
    token: TOKEN,
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
