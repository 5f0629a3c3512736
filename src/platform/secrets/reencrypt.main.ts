import 'reflect-metadata';
import { ConfigError, parseConfig } from '../config/config.schema';
import { createDataSource } from '../../persistence/data-source';
import { parseEncryptionKeys, SecretBox } from './secret-box';
import { reencryptSecrets } from './reencrypt-secrets';

/**
 * `npm run secrets:reencrypt`: after putting a new key first in SECRETS_ENCRYPTION_KEY (old keys
 * after it), re-seal stored secrets with the new key; then the old keys can be removed.
 */
async function main(): Promise<void> {
  const values = parseConfig(process.env);
  if (!values.DATABASE_URL)
    throw new ConfigError(['DATABASE_URL: is required to re-encrypt stored secrets']);
  if (!values.SECRETS_ENCRYPTION_KEY)
    throw new ConfigError([
      'SECRETS_ENCRYPTION_KEY: is required (the new key first, then the old ones)',
    ]);
  const box = new SecretBox(parseEncryptionKeys(values.SECRETS_ENCRYPTION_KEY));
  const dataSource = createDataSource(values.DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  try {
    await reencryptSecrets(dataSource, box, (m) => process.stdout.write(`${m}\n`));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(
    `secrets:reencrypt failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
