import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../src/platform/local/project-root';
import { freePort } from '../test/support/test-infrastructure';
import { Log, now, sleep } from './measure';
import { benchServiceEnvironment, ServiceSettings } from './service';

const run = promisify(execFile);

/** The same settings as an in-process service's. */
export type ServiceProcessSettings = ServiceSettings;

/** One RSS sample of the child: seconds since spawn, resident set in bytes. */
export interface RssSample {
  atSeconds: number;
  bytes: number;
}

/** Every service process still running, killed when the bench process exits for any reason. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The built service (`node dist/src/main.js`, as `npm start` runs it) as a child process of the
 * bench, so its memory is its own: the RSS is read from /proc/<pid>/status (VmRSS) every
 * `rssEveryMs`, or from `ps` where there is no /proc. Its log lines (JSON, LOG_LEVEL=warn) are
 * counted by message; the last lines are kept for error messages.
 */
export class ServiceProcess {
  readonly samples: RssSample[] = [];
  /** Warnings and errors the service logged, by `level: msg`. */
  readonly logged: Record<string, number> = {};
  private readonly tail: string[] = [];
  private readonly spawnedAt = now();
  private timer: NodeJS.Timeout | null = null;
  private exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    rssEveryMs: number,
  ) {
    live.add(child);
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        resolveExit(code ?? (signal ? -1 : null));
      }),
    );
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.line(line, name);
      });
    }
    void this.sample();
    this.timer = setInterval(() => void this.sample(), rssEveryMs);
  }

  static async start(
    settings: ServiceProcessSettings,
    log: Log,
    rssEveryMs = 1_000,
  ): Promise<ServiceProcess> {
    const main = resolve(projectRoot(), 'dist/src/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build`);
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...benchServiceEnvironment(settings),
      HTTP_PORT: String(port),
    };
    const child = spawn(process.execPath, [main], {
      cwd: projectRoot(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`, rssEveryMs);
    log(`   service process ${child.pid} (node dist/src/main.js) on ${service.url}`);
    try {
      await service.waitReady(60_000);
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Null while it runs. */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  get secondsSinceSpawn(): number {
    return (now() - this.spawnedAt) / 1000;
  }

  /** The highest sample at or after `fromSeconds` (since spawn), in bytes. */
  peakBytes(fromSeconds = 0, toSeconds = Infinity): number {
    let peak = 0;
    for (const s of this.samples)
      if (s.atSeconds >= fromSeconds && s.atSeconds <= toSeconds && s.bytes > peak) peak = s.bytes;
    return peak;
  }

  /** The last lines the service wrote, for an error message. */
  lastLines(count = 20): string {
    return this.tail.slice(-count).join('\n');
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the service's graceful shutdown, 30 s at most), then SIGKILL after `graceMs`. */
  async stop(graceMs = 40_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(
          `the service exited with ${this.child.exitCode} before it was ready:\n${this.lastLines()}`,
        );
      try {
        const res = await fetch(`${this.url}/health/ready`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (now() > deadline)
        throw new Error(
          `the service was not ready within ${timeoutMs / 1000} s:\n${this.lastLines()}`,
        );
      await sleep(200);
    }
  }

  /** Takes a sample now (kept with the others); its bytes, or null once the process is gone. */
  async sample(): Promise<number | null> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null) return null;
    const atSeconds = this.secondsSinceSpawn;
    const bytes = await rssOf(pid);
    if (bytes !== null) {
      this.samples.push({ atSeconds, bytes });
      this.samples.sort((a, b) => a.atSeconds - b.atSeconds);
    }
    return bytes;
  }

  private line(line: string, stream: 'stdout' | 'stderr'): void {
    if (line.trim() === '') return;
    this.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.tail.length > 200) this.tail.splice(0, 100);
    let level: string | null = stream === 'stderr' ? 'stderr' : null;
    let msg = line;
    try {
      const parsed = JSON.parse(line) as { level?: number; msg?: unknown };
      if (typeof parsed.level === 'number')
        level = parsed.level >= 50 ? 'error' : parsed.level >= 40 ? 'warn' : null;
      if (parsed.msg !== undefined) msg = String(parsed.msg);
    } catch {
      // Not a log line: the start banner on stdout (not counted), a crash on stderr (counted).
    }
    if (level === null) return;
    const key = `${level}: ${msg.slice(0, 120)}`;
    this.logged[key] = (this.logged[key] ?? 0) + 1;
  }
}

/** Resident set of `pid` in bytes: VmRSS of /proc/<pid>/status, else `ps -o rss=`. */
async function rssOf(pid: number): Promise<number | null> {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // No /proc (macOS): ask ps.
  }
  try {
    const { stdout } = await run('ps', ['-o', 'rss=', '-p', String(pid)]);
    const kb = Number(stdout.trim());
    return Number.isFinite(kb) && kb > 0 ? kb * 1024 : null;
  } catch {
    return null;
  }
}
