import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventually } from './app';
import { freePort, ROOT } from './test-infrastructure';

const MAIN = resolve(ROOT, 'dist/src/main.js');

/** The built service (`npm test` builds first) as a real OS process, to kill and restart. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(env: Record<string, string>, name: string): Promise<ServiceProcess> {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
    const port = await freePort();
    mkdirSync(resolve(ROOT, '.data/test-logs'), { recursive: true });
    return new ServiceProcess(
      env,
      port,
      resolve(ROOT, `.data/test-logs/${name}-${process.pid}.log`),
    );
  }

  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // Without KAFKA_BROKERS main.ts would start a broker of its own under DATA_DIR, which a
    // SIGKILL leaves running after the test: a service under test runs without one instead.
    const localBroker = this.env.KAFKA_BROKERS ? {} : { KAFKA_LOCAL_BROKER: 'false' };
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        ...localBroker,
        ...this.env,
        HTTP_PORT: String(this.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`service exited with ${child.exitCode}; see ${this.logFile}`);
        const res = await fetch(`${this.url}/health/ready`);
        return res.status === 200 ? true : undefined;
      },
      {
        timeoutMs: 60000,
        intervalMs: 200,
        message: `service did not become ready (log: ${this.logFile})`,
      },
    );
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Sends a signal and resolves with the exit code once the process is gone. */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    const code = await exited;
    this.child = null;
    return code;
  }

  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }
}
