import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { freePort, ROOT } from '../support/test-infrastructure';
import { sleep } from './harness';

const SCRIPTS = resolve(ROOT, 'scripts/kafka');
const CLUSTER_ID = '4L6g3nShT-eMCtK--X86sw';

/**
 * A single-node KRaft broker of a scenario's own that can be stopped and started again on the
 * same log dir. `scripts/kafka/kafka.sh stop` wipes its run dir, so this runs the same java
 * command as kafka.sh (same jars, options and server.properties), formatting only once.
 */
export class RestartableKafkaBroker {
  private child: ChildProcess | null = null;
  private readonly onExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly runDir: string,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async create(name: string): Promise<RestartableKafkaBroker> {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const broker = new RestartableKafkaBroker(
      port,
      controllerPort,
      resolve(ROOT, `.data/${name}-${process.pid}`),
    );
    broker.format();
    return broker;
  }

  private get properties(): string {
    return resolve(this.runDir, 'server.properties');
  }

  private format(): void {
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(resolve(this.runDir, 'data'), { recursive: true });
    const template = readFileSync(resolve(SCRIPTS, 'server.properties'), 'utf8')
      .replaceAll('127.0.0.1:9092', `127.0.0.1:${this.port}`)
      .replaceAll('127.0.0.1:9093', `127.0.0.1:${this.controllerPort}`);
    writeFileSync(this.properties, `${template}\nlog.dirs=${resolve(this.runDir, 'data')}\n`);
    execFileSync(
      java(),
      [
        ...jvmOptions(),
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        '-t',
        CLUSTER_ID,
        '-c',
        this.properties,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }

  /** Starts the broker on its log dir; resolves once its port accepts connections. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.child) throw new Error('the broker is already running');
    const log = openSync(resolve(this.runDir, 'kafka.log'), 'a');
    const child = spawn(java(), [...jvmOptions(), 'kafka.Kafka', this.properties], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    process.on('exit', this.onExit);
    const deadline = Date.now() + timeoutMs;
    // As in kafka.sh: the port opens once the broker is unfenced and ready to serve.
    while (!(await portOpen(this.port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.child = null;
        throw new Error(`Kafka exited during start; see ${this.runDir}/kafka.log`);
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`Kafka did not open port ${this.port} in ${timeoutMs} ms`);
      }
      await sleep(250);
    }
  }

  /** SIGTERM (controlled shutdown, data kept), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    }
    this.child = null;
    process.off('exit', this.onExit);
  }

  /** Stops the broker and deletes its run dir. */
  async destroy(): Promise<void> {
    await this.stop();
    if (existsSync(this.runDir)) rmSync(this.runDir, { recursive: true, force: true });
  }
}

function java(): string {
  return process.env.JAVA_HOME ? resolve(process.env.JAVA_HOME, 'bin/java') : 'java';
}

function jvmOptions(): string[] {
  const version = process.env.KAFKA_VERSION ?? '4.1.1';
  const jars = process.env.KAFKA_JARS_DIR ?? resolve(ROOT, '.cache/kafka-jars', version);
  if (!existsSync(resolve(jars, '.complete')))
    throw new Error(
      `Kafka jars missing in ${jars}: run \`npm run kafka -- start\` once to fetch them`,
    );
  return [
    '-Xms128m',
    `-Xmx${process.env.KAFKA_HEAP ?? '384m'}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${resolve(SCRIPTS, 'log4j2.properties')}`,
    '-cp',
    `${jars}/*`,
  ];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}
