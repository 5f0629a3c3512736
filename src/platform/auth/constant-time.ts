import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares two secrets in time that depends on neither: both sides are hashed to 32 bytes
 * first, so neither their length nor the position of the first difference shows.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Finds which of `known` a presented secret is, comparing against every entry (no early exit),
 * so the time taken says nothing about the list or the position of a match.
 */
export class ConstantTimeLookup<T> {
  private readonly entries: { digest: Buffer; value: T }[];

  constructor(known: { secret: string; value: T }[]) {
    this.entries = known.map((k) => ({ digest: digest(k.secret), value: k.value }));
  }

  find(presented: string): T | null {
    const presentedDigest = digest(presented);
    let found: T | null = null;
    for (const entry of this.entries) {
      const equal = timingSafeEqual(presentedDigest, entry.digest);
      found = equal ? entry.value : found;
    }
    return found;
  }
}
