import { DataSource } from 'typeorm';
import { SecretBox } from './secret-box';
import { SECRET_CONTEXT } from './secret-context';

export interface ReencryptResult {
  examined: number;
  reencrypted: number;
}

/**
 * Re-seals every stored secret still under an older key with the current (first) key, so an
 * old key can be retired. Row by row, each in its own short transaction; safe to run while the
 * service runs and to run again.
 */
export async function reencryptSecrets(
  dataSource: DataSource,
  box: SecretBox,
  log: (message: string) => void = () => undefined,
): Promise<ReencryptResult> {
  const result: ReencryptResult = { examined: 0, reencrypted: 0 };

  const onboardings: { id: string; jwt_secret_ciphertext: string }[] = await dataSource.query(
    `SELECT id, jwt_secret_ciphertext FROM onboarding WHERE jwt_secret_ciphertext IS NOT NULL`,
  );
  for (const row of onboardings) {
    result.examined++;
    if (!box.isStale(row.jwt_secret_ciphertext)) continue;
    const aad = SECRET_CONTEXT.jwtSecret(row.id);
    const sealed = box.encrypt(box.decrypt(row.jwt_secret_ciphertext, aad), aad);
    await dataSource.query(
      `UPDATE onboarding SET jwt_secret_ciphertext = $1 WHERE id = $2 AND jwt_secret_ciphertext = $3`,
      [sealed, row.id, row.jwt_secret_ciphertext],
    );
    result.reencrypted++;
  }

  const steps: { onboarding_id: string; name: string; secret_ciphertext: string }[] =
    await dataSource.query(
      `SELECT onboarding_id, name, secret_ciphertext FROM onboarding_step WHERE secret_ciphertext IS NOT NULL`,
    );
  for (const row of steps) {
    result.examined++;
    if (!box.isStale(row.secret_ciphertext)) continue;
    const aad = SECRET_CONTEXT.apiKeyToken(row.onboarding_id, row.name);
    const sealed = box.encrypt(box.decrypt(row.secret_ciphertext, aad), aad);
    await dataSource.query(
      `UPDATE onboarding_step SET secret_ciphertext = $1
       WHERE onboarding_id = $2 AND name = $3 AND secret_ciphertext = $4`,
      [sealed, row.onboarding_id, row.name, row.secret_ciphertext],
    );
    result.reencrypted++;
  }
  log(
    `re-encrypted ${result.reencrypted} of ${result.examined} stored secrets with key "${box.currentKeyId}"`,
  );
  return result;
}
