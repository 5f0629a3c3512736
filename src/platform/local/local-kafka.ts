import { execFile, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './project-root';

const run = promisify(execFile);
const SCRIPT = resolve(projectRoot(), 'scripts/kafka/kafka.sh');

/** Java 17+ on PATH (or JAVA_HOME) is what the local broker needs. `java -version` prints to stderr. */
export function javaMajorVersion(): number | null {
  const java = process.env.JAVA_HOME ? resolve(process.env.JAVA_HOME, 'bin/java') : 'java';
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error) return null;
  return parse(`${result.stderr ?? ''}${result.stdout ?? ''}`);
}

function parse(text: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/**
 * Starts the single-node KRaft broker of scripts/kafka/kafka.sh (jars from Maven Central) and
 * returns its bootstrap address. The script is idempotent: a broker already running is reused.
 */
export async function startLocalKafka(options: { dataDir: string; port?: number }): Promise<{
  brokers: string[];
  stop(): Promise<void>;
}> {
  const port = options.port ?? 9092;
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_RUN_DIR: resolve(options.dataDir, 'kafka'),
  };
  await run('bash', [SCRIPT, 'start'], { env, timeout: 300_000 });
  return {
    brokers: [`127.0.0.1:${port}`],
    stop: async () => {
      await run('bash', [SCRIPT, 'stop'], { env, timeout: 60_000 });
    },
  };
}
