import { randomBytes } from 'node:crypto';
import { SecretBox, parseEncryptionKeys } from './secret-box';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips and never contains the plaintext', () => {
    const box = new SecretBox(parseEncryptionKeys(key()));
    const sealed = box.encrypt('72b378def0c1d83e', 'onboarding-1');
    expect(sealed).not.toContain('72b378def0c1d83e');
    expect(box.decrypt(sealed, 'onboarding-1')).toBe('72b378def0c1d83e');
  });

  it('refuses a ciphertext moved to another record (associated data)', () => {
    const box = new SecretBox(parseEncryptionKeys(key()));
    const sealed = box.encrypt('secret', 'onboarding-1');
    expect(() => box.decrypt(sealed, 'onboarding-2')).toThrow();
  });

  it('rotates: the first key encrypts, older keys still decrypt', () => {
    const oldKey = key();
    const before = new SecretBox(parseEncryptionKeys(`old:${oldKey}`));
    const sealed = before.encrypt('token');
    const after = new SecretBox(parseEncryptionKeys(`new:${key()},old:${oldKey}`));
    expect(after.decrypt(sealed)).toBe('token');
    expect(after.isStale(sealed)).toBe(true);
    expect(after.isStale(after.encrypt('token'))).toBe(false);
  });

  it('names the bad key', () => {
    expect(() => parseEncryptionKeys('a:c2hvcnQ=')).toThrow(/key "a" must be 32 bytes/);
    expect(() => parseEncryptionKeys(`a:${key()},a:${key()}`)).toThrow(/unique/);
  });
});
