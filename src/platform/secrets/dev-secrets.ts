import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where development secrets live when the configuration gives none (never in production): a
 * directory of their own under DATA_DIR, 0700, with 0600 files, apart from the Postgres data
 * directory (which another OS user may need to reach).
 */
export const DEV_SECRETS = {
  dir: (dataDir: string): string => resolve(dataDir, 'secrets'),
  encryptionKey: (dataDir: string): string => resolve(dataDir, 'secrets', 'encryption.key'),
  apiToken: (dataDir: string): string => resolve(dataDir, 'secrets', 'dev-api-token'),
} as const;

/** Earlier versions kept these files in DATA_DIR itself. */
const LEGACY = {
  encryptionKey: (dataDir: string) => resolve(dataDir, 'secrets.key'),
  apiToken: (dataDir: string) => resolve(dataDir, 'dev-api-token'),
};

/** Makes the secrets directory (0700), moving files of an earlier layout into it. */
export function prepareDevSecrets(dataDir: string): void {
  const dir = DEV_SECRETS.dir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const name of ['encryptionKey', 'apiToken'] as const) {
    const legacy = LEGACY[name](dataDir);
    const current = DEV_SECRETS[name](dataDir);
    if (existsSync(legacy) && !existsSync(current)) renameSync(legacy, current);
    if (existsSync(current)) chmodSync(current, 0o600);
  }
}
