import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_SECRETS } from '../secrets/dev-secrets';
import { ConfigError, ConfigValues } from '../config/config.schema';

export const API_ROLES = ['viewer', 'operator'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** One entry of API_TOKENS. The token itself stays in memory only: log the fingerprint. */
export interface ApiToken {
  role: ApiRole;
  token: string;
  fingerprint: string;
}

/** Who is calling, as the guard leaves it on `req.principal` (read by src/onboarding/operations/actor.ts). */
export interface Principal {
  role: ApiRole;
  fingerprint: string;
}

/** The development token's file under DATA_DIR. */

/** First 12 hex characters of sha256(token): enough to tell tokens apart, useless to an attacker. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

/** Visible ASCII without spaces or commas: what fits in `Authorization: Bearer` and in the list. */
function isTokenText(token: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(token);
}

function isRole(role: string): role is ApiRole {
  return (API_ROLES as readonly string[]).includes(role);
}

/**
 * Parses API_TOKENS: `role:token,role:token,…` with roles viewer and operator. A bad entry is a
 * ConfigError naming API_TOKENS and the entry's 1-based position; no part of an entry is ever
 * repeated in the message, since any of it may be a secret.
 */
export function parseApiTokens(value: string): ApiToken[] {
  const problems: string[] = [];
  const tokens: ApiToken[] = [];
  const positions = new Map<string, number>();
  value.split(',').forEach((raw, i) => {
    const entry = `API_TOKENS: entry ${i + 1}`;
    const text = raw.trim();
    if (text === '') {
      problems.push(`${entry} is empty (expected role:token)`);
      return;
    }
    const colon = text.indexOf(':');
    if (colon < 0) {
      problems.push(`${entry} must be role:token, with role viewer or operator`);
      return;
    }
    const role = text.slice(0, colon).trim();
    const token = text.slice(colon + 1).trim();
    if (!isRole(role)) {
      problems.push(`${entry} has an unknown role (expected viewer or operator)`);
      return;
    }
    if (token === '') {
      problems.push(`${entry} has an empty token`);
      return;
    }
    if (!isTokenText(token)) {
      problems.push(`${entry}: the token must be visible ASCII characters without spaces`);
      return;
    }
    const earlier = positions.get(token);
    if (earlier !== undefined) {
      problems.push(`${entry} repeats the token of entry ${earlier}; each token must be unique`);
      return;
    }
    positions.set(token, i + 1);
    tokens.push({ role, token, fingerprint: tokenFingerprint(token) });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return tokens;
}

/**
 * The API tokens the service accepts. API_TOKENS when set. Otherwise production refuses to
 * start, and development and test use one operator token generated on the first start and
 * kept in `<dataDir>/secrets/dev-api-token` (mode 0600), so it survives restarts; it is returned as
 * `devToken` for the start banner.
 */
export function resolveApiTokens(
  values: ConfigValues,
  dataDir: string,
): { tokens: ApiToken[]; devToken: string | null } {
  if (values.API_TOKENS) return { tokens: parseApiTokens(values.API_TOKENS), devToken: null };
  if (values.NODE_ENV === 'production')
    throw new ConfigError(['API_TOKENS: is required when NODE_ENV=production']);
  const token = loadOrCreateDevToken(DEV_SECRETS.apiToken(dataDir));
  return {
    tokens: [{ role: 'operator', token, fingerprint: tokenFingerprint(token) }],
    devToken: token,
  };
}

function loadOrCreateDevToken(file: string): string {
  const existing = readTokenFile(file);
  if (existing !== null) {
    // Written by us with 0600; tighten it again if someone loosened it.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  mkdirSync(resolve(file, '..'), { recursive: true });
  const token = randomBytes(32).toString('base64url');
  try {
    // `wx`: two processes starting at once must not each write a token of their own.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const written = readTokenFile(file);
  if (written !== null) return written;
  // The file exists but holds no usable token (empty, hand-edited): replace it.
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

function readTokenFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return isTokenText(text) ? text : null;
}
