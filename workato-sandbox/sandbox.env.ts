import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SEED } from './default-seed';
import {
  FAMILIES,
  jitterProblem,
  limitsOf,
  LimitsProblem,
  NO_LIMITS,
  parseLimitsOption,
  RateLimits,
  WORKATO_LIMITS,
} from './sandbox.rate-limit';
import { RunningSandbox, SandboxOptions, startSandbox } from './sandbox.server';
import { loadSeedFile, SandboxSeed, SandboxSeedError } from './sandbox.seed';

/**
 * The environment of `npm run sandbox` (main.ts): one sandbox per Workato account, each on its
 * own port with its own token, state file, limits and seed. Beyond the documents: several
 * accounts in one process stand for accounts in different Workato data centers (000: US, EU,
 * SG, JP, AU), so a move of an account from one to another can be tested.
 *
 * Single account (the default): SANDBOX_PORT, SANDBOX_HOST, SANDBOX_TOKEN, SANDBOX_SEED_FILE,
 * SANDBOX_STATE_FILE. Several: SANDBOX_ACCOUNTS, a JSON array of
 * `{ name, port, token?, host?, seedFile?, limits?, arrivalJitterMs? }`, with SANDBOX_STATE_DIR
 * holding `<name>.json` per account. For all: SANDBOX_LIMITS, SANDBOX_RATE_LIMIT_RPS,
 * SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE, SANDBOX_ARRIVAL_JITTER_MS, SANDBOX_RESET,
 * SANDBOX_PARENT_PID. docs/sandbox.md describes each.
 */
export type SandboxEnv = Record<string, string | undefined>;

export interface SandboxAccountConfig {
  name: string;
  options: SandboxOptions & { port: number; host: string; token: string; limits: RateLimits };
}

export interface SandboxEnvConfig {
  accounts: SandboxAccountConfig[];
  /** Exit when this process has gone (set by `npm start`). */
  parentPid: number | null;
}

export class SandboxEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid sandbox environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SandboxEnvError';
  }
}

export const DEFAULT_PORT = 4010;
export const DEFAULT_TOKEN = 'sandbox-token';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const TOKEN = /^\S+$/;

const accountSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME, 'must be letters, digits, ".", "_" or "-" (it names the state file)'),
  port: z.number().int().min(0).max(65535),
  token: z.string().regex(TOKEN, 'must be non-empty, without spaces').optional(),
  host: z.string().min(1).optional(),
  seedFile: z.string().min(1).optional(),
  limits: z.unknown().optional(),
  arrivalJitterMs: z.number().optional(),
});

export function parseSandboxEnv(env: SandboxEnv): SandboxEnvConfig {
  const problems: string[] = [];
  const report = (field: string, message: string): void => {
    problems.push(`${field}: ${message}`);
  };
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const host = value('SANDBOX_HOST') ?? '127.0.0.1';
  const reset = parseBoolean(value('SANDBOX_RESET'), 'SANDBOX_RESET', report);
  const stateDir = value('SANDBOX_STATE_DIR');
  const defaultSeed = value('SANDBOX_SEED_FILE');
  const jitter = parseJitter(value('SANDBOX_ARRIVAL_JITTER_MS'), report);
  const envLimits = parseEnvLimits(env, report);
  const parentPid = parseParentPid(value('SANDBOX_PARENT_PID'), report);

  const accounts: SandboxAccountConfig[] = [];
  const accountsJson = value('SANDBOX_ACCOUNTS');
  if (accountsJson === undefined) {
    const stateFile = value('SANDBOX_STATE_FILE');
    if (stateFile !== undefined && stateDir !== undefined)
      report('SANDBOX_STATE_FILE', 'give SANDBOX_STATE_FILE or SANDBOX_STATE_DIR, not both');
    const token = value('SANDBOX_TOKEN') ?? DEFAULT_TOKEN;
    if (!TOKEN.test(token)) report('SANDBOX_TOKEN', 'must not contain spaces');
    accounts.push({
      name: 'default',
      options: {
        port: parsePort(value('SANDBOX_PORT'), report),
        host,
        token,
        seed: loadSeed(defaultSeed, 'SANDBOX_SEED_FILE', report),
        limits: envLimits ?? limitsOf('workato'),
        arrivalJitterMs: jitter,
        stateFile:
          stateFile ?? (stateDir === undefined ? undefined : join(stateDir, 'default.json')),
        resetState: reset,
      },
    });
  } else {
    for (const single of ['SANDBOX_PORT', 'SANDBOX_TOKEN', 'SANDBOX_STATE_FILE']) {
      if (value(single) !== undefined)
        report(single, 'not used with SANDBOX_ACCOUNTS: give each account its own there');
    }
    let list: unknown;
    try {
      list = JSON.parse(accountsJson);
    } catch (error) {
      report('SANDBOX_ACCOUNTS', `not valid JSON (${(error as Error).message})`);
    }
    if (list !== undefined && (!Array.isArray(list) || list.length === 0)) {
      report('SANDBOX_ACCOUNTS', 'must be a non-empty JSON array of accounts');
    } else if (Array.isArray(list)) {
      const indexed: { index: number; account: SandboxAccountConfig }[] = [];
      list.forEach((entry, index) => {
        const field = `SANDBOX_ACCOUNTS[${index}]`;
        const parsed = accountSchema.safeParse(entry);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => `.${k}`) : [''];
            const path = issue.path.map((p) => `.${String(p)}`).join('');
            for (const key of keys)
              report(
                `${field}${path}${key}`,
                issue.code === 'unrecognized_keys' ? 'is not a field' : issue.message,
              );
          }
          return;
        }
        const account = parsed.data;
        let limits = envLimits ?? limitsOf('workato');
        if (account.limits !== undefined) {
          const own = parseLimitsOption(account.limits, `${field}.limits`);
          if ('problems' in own) reportAll(own.problems, report);
          else limits = own.limits;
        }
        let arrivalJitterMs = jitter;
        if (account.arrivalJitterMs !== undefined) {
          const problem = jitterProblem(account.arrivalJitterMs);
          if (problem) report(`${field}.arrivalJitterMs`, problem);
          else arrivalJitterMs = account.arrivalJitterMs;
        }
        const config: SandboxAccountConfig = {
          name: account.name,
          options: {
            port: account.port,
            host: account.host ?? host,
            token: account.token ?? `sandbox-${account.name}-token`,
            seed: account.seedFile
              ? loadSeed(account.seedFile, `${field}.seedFile`, report)
              : loadSeed(defaultSeed, 'SANDBOX_SEED_FILE', report),
            limits,
            arrivalJitterMs,
            stateFile: stateDir === undefined ? undefined : join(stateDir, `${account.name}.json`),
            resetState: reset,
          },
        };
        accounts.push(config);
        indexed.push({ index, account: config });
      });
      checkUnique(indexed, report);
    }
  }

  if (problems.length > 0) throw new SandboxEnvError([...new Set(problems)]);
  return { accounts, parentPid };
}

export interface RunningAccount {
  name: string;
  sandbox: RunningSandbox;
  /** The start-up line: name, URL, token, limits, state file. */
  line: string;
}

/** Starts every account; if one cannot start, closes those already started. */
export async function startAccounts(config: SandboxEnvConfig): Promise<RunningAccount[]> {
  const running: RunningAccount[] = [];
  try {
    for (const account of config.accounts) {
      let sandbox: RunningSandbox;
      try {
        sandbox = await startSandbox(account.options);
      } catch (error) {
        throw new Error(`account "${account.name}": ${(error as Error).message}`, {
          cause: error,
        });
      }
      running.push({
        name: account.name,
        sandbox,
        line: [
          `Workato sandbox "${account.name}" on ${sandbox.url}`,
          `token ${sandbox.token}`,
          `limits ${describeLimits(account.options.limits)}`,
          `state ${account.options.stateFile ?? 'in memory'}`,
          `control ${sandbox.url}/__sandbox`,
        ].join('  '),
      });
    }
  } catch (error) {
    await Promise.allSettled(running.map((a) => a.sandbox.close()));
    throw error;
  }
  return running;
}

export function describeLimits(limits: RateLimits): string {
  if (sameAs(limits, WORKATO_LIMITS)) return 'workato (published)';
  if (sameAs(limits, NO_LIMITS)) return 'off';
  const parts = [limits.perSecond === null ? 'no per-second' : `${limits.perSecond}/s`];
  for (const family of FAMILIES) {
    const limit = limits.perMinute[family];
    if (limit !== null) parts.push(`${family} ${limit}/min`);
  }
  return parts.join(', ');
}

function sameAs(a: RateLimits, b: RateLimits): boolean {
  return a.perSecond === b.perSecond && FAMILIES.every((f) => a.perMinute[f] === b.perMinute[f]);
}

/**
 * SANDBOX_LIMITS (`workato`, the default; `off`; or a JSON object like startSandbox's `limits`),
 * then SANDBOX_RATE_LIMIT_RPS and SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE over it: each a number or
 * `unlimited`, for the per-second and the API portals limit. Null when none is set.
 */
function parseEnvLimits(
  env: SandboxEnv,
  report: (field: string, message: string) => void,
): RateLimits | null {
  const raw = env.SANDBOX_LIMITS?.trim() || undefined;
  const rps = env.SANDBOX_RATE_LIMIT_RPS?.trim() || undefined;
  const portal = env.SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE?.trim() || undefined;
  if (raw === undefined && rps === undefined && portal === undefined) return null;
  let limits = limitsOf('workato');
  if (raw !== undefined) {
    let input: unknown = raw;
    if (raw !== 'workato' && raw !== 'off') {
      try {
        input = JSON.parse(raw);
      } catch {
        report('SANDBOX_LIMITS', `must be "workato", "off" or a JSON object, got "${raw}"`);
        input = undefined;
      }
    }
    if (input !== undefined) {
      const parsed = parseLimitsOption(input, 'SANDBOX_LIMITS');
      if ('problems' in parsed) reportAll(parsed.problems, report);
      else limits = parsed.limits;
    }
  }
  const perSecond = parseRate(rps, 'SANDBOX_RATE_LIMIT_RPS', report);
  if (perSecond !== undefined) limits.perSecond = perSecond;
  const portals = parseRate(portal, 'SANDBOX_PORTAL_RATE_LIMIT_PER_MINUTE', report);
  if (portals !== undefined) limits.perMinute.api_portals = portals;
  return limits;
}

function parseRate(
  raw: string | undefined,
  field: string,
  report: (field: string, message: string) => void,
): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase() === 'unlimited') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    report(field, `must be a positive number or "unlimited", got "${raw}"`);
    return undefined;
  }
  return value;
}

function parsePort(raw: string | undefined, report: (f: string, m: string) => void): number {
  if (raw === undefined) return DEFAULT_PORT;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    report('SANDBOX_PORT', `must be a port number (0-65535), got "${raw}"`);
    return DEFAULT_PORT;
  }
  return value;
}

function parseJitter(raw: string | undefined, report: (f: string, m: string) => void): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  const problem = jitterProblem(value);
  if (problem) {
    report('SANDBOX_ARRIVAL_JITTER_MS', `${problem}, got "${raw}"`);
    return 0;
  }
  return value;
}

function parseBoolean(
  raw: string | undefined,
  field: string,
  report: (f: string, m: string) => void,
): boolean {
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  report(field, `must be true or false, got "${raw}"`);
  return false;
}

function parseParentPid(
  raw: string | undefined,
  report: (f: string, m: string) => void,
): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value <= 0) {
    report('SANDBOX_PARENT_PID', `must be a process id, got "${raw}"`);
    return null;
  }
  return value;
}

function loadSeed(
  path: string | undefined,
  field: string,
  report: (f: string, m: string) => void,
): SandboxSeed {
  if (path === undefined) return DEFAULT_SEED;
  try {
    return loadSeedFile(path);
  } catch (error) {
    if (error instanceof SandboxSeedError) report(field, error.problems.join('; '));
    else report(field, (error as Error).message);
    return DEFAULT_SEED;
  }
}

function reportAll(problems: LimitsProblem[], report: (f: string, m: string) => void): void {
  for (const p of problems) report(p.field, p.message);
}

function checkUnique(
  accounts: { index: number; account: SandboxAccountConfig }[],
  report: (field: string, message: string) => void,
): void {
  const names = new Map<string, number>();
  const ports = new Map<number, number>();
  accounts.forEach(({ index, account }) => {
    const sameName = names.get(account.name);
    if (sameName !== undefined)
      report(`SANDBOX_ACCOUNTS[${index}].name`, `"${account.name}" is also account ${sameName}'s`);
    else names.set(account.name, index);
    // Port 0 picks a free port each time, so it may repeat.
    const port = account.options.port;
    const samePort = ports.get(port);
    if (port !== 0 && samePort !== undefined)
      report(`SANDBOX_ACCOUNTS[${index}].port`, `${port} is also account ${samePort}'s`);
    else ports.set(port, index);
  });
}
