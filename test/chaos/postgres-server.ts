import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, ROOT } from '../support/test-infrastructure';

const EMBEDDED_POSTGRES = resolve(ROOT, 'dist/src/platform/local/embedded-postgres.js');

/**
 * Runs `startEmbeddedPostgres` (src/platform/local/embedded-postgres.ts, from the build) in a small
 * helper process: the `embedded-postgres` package is an ES module, which Node can require()
 * but Jest's module runtime cannot load. SIGTERM to the helper stops Postgres (fast shutdown)
 * and the helper; so does its stdin closing, should this process die first.
 */
const HELPER = `
const { startEmbeddedPostgres } = require(process.env.CHAOS_PG_MODULE);
startEmbeddedPostgres({
  dataDir: process.env.CHAOS_PG_DATA_DIR,
  port: Number(process.env.CHAOS_PG_PORT),
  database: process.env.CHAOS_PG_DATABASE,
}).then(
  (pg) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      pg.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGTERM', stop);
    process.stdin.on('end', stop);
    process.stdin.resume();
    process.stdout.write(JSON.stringify({ url: pg.url }) + '\\n');
  },
  (error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error) + '\\n');
    process.exit(1);
  },
);
`;

export class ChaosPostgres {
  private helper: ChildProcess | null = null;
  url = '';

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly database: string,
  ) {}

  static async create(name: string, database: string): Promise<ChaosPostgres> {
    if (!existsSync(EMBEDDED_POSTGRES))
      throw new Error(`${EMBEDDED_POSTGRES} is missing: run npm run build`);
    const dataDir = resolve(ROOT, `.data/${name}-${process.pid}`);
    rmSync(dataDir, { recursive: true, force: true });
    return new ChaosPostgres(dataDir, await freePort(), database);
  }

  /** Starts Postgres on the data dir (initialised the first time); resolves once it serves. */
  async start(): Promise<void> {
    if (this.helper) throw new Error('Postgres is already running');
    const helper = spawn(process.execPath, ['-e', HELPER], {
      env: {
        PATH: process.env.PATH ?? '',
        CHAOS_PG_MODULE: EMBEDDED_POSTGRES,
        CHAOS_PG_DATA_DIR: this.dataDir,
        CHAOS_PG_PORT: String(this.port),
        CHAOS_PG_DATABASE: this.database,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.helper = helper;
    let stderr = '';
    helper.stderr?.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)),
    );
    this.url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      helper.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolveUrl((JSON.parse(line) as { url: string }).url);
      });
      helper.once('exit', (code) =>
        reject(new Error(`Postgres helper exited (${code}): ${stderr}`)),
      );
    });
  }

  /** Fast shutdown (connections are cut, data kept); resolves once Postgres has exited. */
  async stop(): Promise<void> {
    const helper = this.helper;
    if (!helper) return;
    if (helper.exitCode === null && helper.signalCode === null) {
      const exited = new Promise<void>((r) => helper.once('exit', () => r()));
      helper.kill('SIGTERM');
      await exited;
    }
    this.helper = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
