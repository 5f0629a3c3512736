import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from './project-root';

export interface LocalSandboxAccount {
  /** The Workato account's name in the service. */
  name: string;
  url: string;
  token: string;
}

export interface LocalSandbox {
  accounts: LocalSandboxAccount[];
  stop(): Promise<void>;
}

/** The sandbox's entry point in a development build; the production image does not have it. */
export function sandboxEntryPoint(): string {
  return resolve(projectRoot(), 'dist/workato-sandbox/main.js');
}

/**
 * Runs the Workato sandbox (workato-sandbox/, not part of the product) as a process of its own,
 * for `npm start` without Workato settings. It runs in a session of its own, like the local
 * Kafka broker, so a Ctrl-C in the terminal reaches the service alone: the service finishes its
 * running steps against the sandbox before stopping it. It exits by itself when the service
 * dies (SANDBOX_PARENT_PID).
 */
export async function startLocalSandbox(options: {
  /** One account per data center: `default` (a US workspace) on `port`, `eu` on port + 1. */
  port: number;
  /** Only the `default` account, on `port` (a benchmark's stand-in for one workspace). */
  defaultOnly?: boolean;
  /**
   * Where the sandbox keeps its workspaces (one file per account), so a restart never reuses a
   * Workato id. Absent: in memory (a benchmark, where writing the files would slow each answer).
   */
  stateDir?: string;
  env?: Record<string, string>;
}): Promise<LocalSandbox> {
  const entry = sandboxEntryPoint();
  if (!existsSync(entry))
    throw new Error(
      `the Workato sandbox is not in this build (${entry} is missing): set WORKATO_BASE_URL and WORKATO_API_TOKEN to use a real Workato`,
    );
  const accounts: LocalSandboxAccount[] = [
    { name: 'default', url: `http://127.0.0.1:${options.port}`, token: 'sandbox-token' },
    { name: 'eu', url: `http://127.0.0.1:${options.port + 1}`, token: 'sandbox-eu-token' },
  ].slice(0, options.defaultOnly ? 1 : 2);
  const child = spawn(process.execPath, [entry], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      SANDBOX_ACCOUNTS: JSON.stringify(
        accounts.map((a) => ({ name: a.name, port: Number(new URL(a.url).port), token: a.token })),
      ),
      // Workato's published limits, strictly (the sandbox's default): a partner meets rate
      // limiting here as Workato will show it.
      SANDBOX_PARENT_PID: String(process.pid),
      ...(options.stateDir ? { SANDBOX_STATE_DIR: options.stateDir } : {}),
      ...options.env,
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the Workato sandbox exited with ${child.exitCode}: ${stderr.trim()}`);
    const up = await Promise.all(
      accounts.map((a) =>
        fetch(`${a.url}/__sandbox/config`).then(
          (res) => res.ok,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `the Workato sandbox did not start on ${accounts.map((a) => a.url).join(', ')}: ${stderr.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.unref();
  child.stderr?.destroy();

  return {
    accounts,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
