import { randomBytes, randomUUID } from 'node:crypto';
import { parseEncryptionKeys, SecretBox } from '../../src/platform/secrets/secret-box';
import { reencryptSecrets } from '../../src/platform/secrets/reencrypt-secrets';
import { createTestDatabase, TestDatabase } from '../support/database';

describe('key rotation: re-encrypting stored secrets', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('moves every secret to the current key, which alone can then read them', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const before = new SecretBox(parseEncryptionKeys(`old:${oldKey}`));
    const id = randomUUID();
    await db.dataSource.query(
      `INSERT INTO onboarding (id, event_id, managed_user_id, customer_name, source, status, request, jwt_secret_ciphertext, deadline_at)
       VALUES ($1, $2, 'E1', 'c', 'http', 'COMPLETED', '{}', $3, now())`,
      [id, randomUUID(), before.encrypt('hmac-secret', id)],
    );
    await db.dataSource.query(
      `INSERT INTO onboarding_step (onboarding_id, name, position, kind, natural_key, status, secret_ciphertext)
       VALUES ($1, 'api_key:Production', 2, 'API_KEY', 'k', 'SUCCEEDED', $2)`,
      [id, before.encrypt('auth-token-1234', `${id}:api_key:Production`)],
    );

    const rotating = new SecretBox(parseEncryptionKeys(`new:${newKey},old:${oldKey}`));
    expect(await reencryptSecrets(db.dataSource, rotating)).toEqual({
      examined: 2,
      reencrypted: 2,
    });
    expect(await reencryptSecrets(db.dataSource, rotating)).toEqual({
      examined: 2,
      reencrypted: 0,
    });

    const after = new SecretBox(parseEncryptionKeys(`new:${newKey}`));
    const [row] = await db.dataSource.query(
      `SELECT jwt_secret_ciphertext FROM onboarding WHERE id = $1`,
      [id],
    );
    const [step] = await db.dataSource.query(
      `SELECT secret_ciphertext FROM onboarding_step WHERE onboarding_id = $1`,
      [id],
    );
    expect(after.decrypt(row.jwt_secret_ciphertext, id)).toBe('hmac-secret');
    expect(after.decrypt(step.secret_ciphertext, `${id}:api_key:Production`)).toBe(
      'auth-token-1234',
    );
  });
});
