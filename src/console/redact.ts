/** What replaces a secret in what the console shows. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose string values are secrets wherever they appear: a partner's event may carry a JWT
 * secret (apiClient.jwt.secret), and a rejected message may carry anything, so the console
 * redacts by key name over the whole document rather than by the paths it knows.
 */
const SECRET_KEY = /secret|token|password|passphrase|private|credential|authorization|api_?key$/i;

/** Deep enough for any event of ours; a deeper (hostile) document is cut, not walked. */
const MAX_DEPTH = 12;
const MAX_NODES = 5000;

/**
 * A copy of a JSON value with every string under a secret-looking key replaced by REDACTED, and
 * anything nested deeper than MAX_DEPTH (or past MAX_NODES values) replaced by a marker.
 */
export function redactDocument(value: unknown): unknown {
  let nodes = 0;
  const walk = (node: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES) return '[TRUNCATED]';
    if (node === null || typeof node !== 'object') return node;
    if (depth >= MAX_DEPTH) return '[TOO DEEP]';
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([key, item]) => [
        key,
        SECRET_KEY.test(key) &&
        item !== null &&
        typeof item !== 'object' &&
        typeof item !== 'boolean'
          ? REDACTED
          : walk(item, depth + 1),
      ]),
    );
  };
  return walk(value, 0);
}

/** At most this many characters of a rejected message are kept. */
export const MAX_KEPT_CHARS = 8192;

/**
 * The bytes of a rejected message as the console may keep them: JSON redacted by redactDocument
 * and cut to MAX_KEPT_CHARS; anything that is not JSON is not kept at all (null), since there is
 * no telling where a secret sits in it.
 */
export function redactMessageBytes(value: Buffer | null): string | null {
  if (!value || value.length === 0) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  const text = JSON.stringify(redactDocument(doc));
  return text.length > MAX_KEPT_CHARS ? `${text.slice(0, MAX_KEPT_CHARS)}…[CUT]` : text;
}
