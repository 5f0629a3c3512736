import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/**
 * Parses SECRETS_ENCRYPTION_KEY: `id:base64key,id2:base64key2` (the first encrypts, all decrypt,
 * so keys rotate without downtime) or a single base64 key (id `default`). Keys are 32 bytes.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new SecretKeyError('SECRETS_ENCRYPTION_KEY: no key given');
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : entries.length === 1 ? 'default' : `k${index}`;
    const material = colon > 0 ? entry.slice(colon + 1) : entry;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
      throw new SecretKeyError(
        `SECRETS_ENCRYPTION_KEY: key id "${id}" must be 1-32 letters, digits, _ or -`,
      );
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32)
      throw new SecretKeyError(
        `SECRETS_ENCRYPTION_KEY: key "${id}" must be 32 bytes of base64 (got ${key.length} bytes)`,
      );
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    throw new SecretKeyError('SECRETS_ENCRYPTION_KEY: key ids must be unique');
  return keys;
}

/**
 * AES-256-GCM for every secret we persist (API keys' auth_tokens, JWT secrets). A ciphertext
 * names the key that sealed it: `v1.<keyId>.<iv>.<tag>.<data>` (base64url parts).
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new SecretKeyError('at least one encryption key is required');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.keys[0].id;
  }

  encrypt(plaintext: string, associatedData = ''): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', id, iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(ciphertext: string, associatedData = ''): string {
    const [version, id, iv, tag, data] = ciphertext.split('.');
    if (version !== 'v1' || !id || iv === undefined || tag === undefined || data === undefined)
      throw new SecretKeyError('not a ciphertext of this service');
    const key = this.byId.get(id);
    if (!key)
      throw new SecretKeyError(`secret was encrypted with key "${id}", which is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }

  /** True when the ciphertext was sealed by an older key (the re-encrypt command's filter). */
  isStale(ciphertext: string): boolean {
    return ciphertext.split('.')[1] !== this.currentKeyId;
  }
}
