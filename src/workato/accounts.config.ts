import { z } from 'zod';
import { parseRateLimits, RateLimits } from './rate-limits';

/** Workato's data centers: a token works only in its own (000). */
export const WORKATO_REGIONS = {
  us: 'https://www.workato.com',
  eu: 'https://app.eu.workato.com',
  jp: 'https://app.jp.workato.com',
  sg: 'https://app.sg.workato.com',
  au: 'https://app.au.workato.com',
  il: 'https://app.il.workato.com',
  kr: 'https://app.kr.workato.com',
  cn: 'https://app.workatoapp.cn',
  trial: 'https://app.trial.workato.com',
} as const;
export type WorkatoRegion = keyof typeof WORKATO_REGIONS;

/** The account an event names nothing for, when it exists. */
export const DEFAULT_ACCOUNT = 'default';

/** One Workato account (an Embed admin workspace), as the service talks to it. */
export interface WorkatoAccountSpec {
  name: string;
  baseUrl: string;
  /** The Embed admin API token, given directly… */
  token?: string;
  /** …or read from this file (a mounted secret), again on a 401 and at least every minute. */
  tokenFile?: string;
  limits: RateLimits;
}

const accountSchema = z.strictObject({
  name: z
    .string({ error: 'is required' })
    .regex(
      /^[a-z][a-z0-9_-]{0,31}$/,
      'must be 1-32 lowercase letters, digits, _ or -, starting with a letter',
    ),
  region: z
    .enum(Object.keys(WORKATO_REGIONS) as [WorkatoRegion, ...WorkatoRegion[]], {
      error: `must be one of ${Object.keys(WORKATO_REGIONS).join(', ')}`,
    })
    .optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  token: z.string().min(1, 'must not be empty').optional(),
  tokenFile: z.string().min(1, 'must not be empty').optional(),
  rateLimitRps: z
    .number({ error: 'must be a positive number' })
    .positive('must be a positive number')
    .optional(),
  rateLimits: z.string().optional(),
});

/**
 * WORKATO_ACCOUNTS: a JSON array of named accounts. Returns every problem at once, each naming
 * its entry and field (`WORKATO_ACCOUNTS[1].region: …`); tokens are never echoed.
 */
export function parseWorkatoAccounts(
  text: string,
  defaults: RateLimits,
): { accounts: WorkatoAccountSpec[]; problems: string[] } {
  const problems: string[] = [];
  const at = (path: (string | number)[]) =>
    `WORKATO_ACCOUNTS${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { accounts: [], problems: ['WORKATO_ACCOUNTS: must be a JSON array of accounts'] };
  }
  if (!Array.isArray(json) || json.length === 0)
    return {
      accounts: [],
      problems: ['WORKATO_ACCOUNTS: must be a non-empty JSON array of accounts'],
    };
  const accounts: WorkatoAccountSpec[] = [];
  const names = new Set<string>();
  json.forEach((entry, index) => {
    const parsed = accountSchema.safeParse(entry, {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : undefined,
    });
    const name = (entry as { name?: unknown } | null)?.name;
    if (!parsed.success) {
      // Its name still counts for the duplicates check.
      if (typeof name === 'string') {
        if (names.has(name)) problems.push(`${at([index, 'name'])}: "${name}" is given twice`);
        names.add(name);
      }
      for (const issue of parsed.error.issues)
        problems.push(`${at([index, ...(issue.path as (string | number)[])])}: ${issue.message}`);
      return;
    }
    const a = parsed.data;
    const problem = (field: string, message: string) =>
      problems.push(`${at([index, field])}: ${message}`);
    if ((a.region === undefined) === (a.baseUrl === undefined))
      problem('region', 'give exactly one of region or baseUrl');
    if ((a.token === undefined) === (a.tokenFile === undefined))
      problem('token', 'give exactly one of token or tokenFile');
    if (names.has(a.name)) problem('name', `"${a.name}" is given twice`);
    names.add(a.name);
    let perMinute = defaults.perMinute;
    if (a.rateLimits !== undefined) {
      try {
        perMinute = { ...defaults.perMinute, ...parseRateLimits(a.rateLimits).perMinute };
      } catch (error) {
        problem('rateLimits', (error as Error).message);
      }
    }
    accounts.push({
      name: a.name,
      baseUrl: a.baseUrl ?? WORKATO_REGIONS[a.region ?? 'us'],
      ...(a.token !== undefined ? { token: a.token } : { tokenFile: a.tokenFile }),
      limits: { ...defaults, perSecond: a.rateLimitRps ?? defaults.perSecond, perMinute },
    });
  });
  return { accounts: problems.length > 0 ? [] : accounts, problems };
}
