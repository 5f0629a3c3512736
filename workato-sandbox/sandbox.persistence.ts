import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { PersistedState, SandboxState, STATE_FORMAT, STATE_VERSION } from './sandbox.state';

/**
 * The sandbox's state in a file, so that a restarted sandbox (`npm start` again, a service test
 * that restarts everything) still has the workspaces, clients and keys it had, and never hands
 * out an id twice. Beyond the documents: Workato keeps its state, of course; the file is only how
 * the sandbox does.
 *
 * Only the Workato state is kept: faults, the call log, stats, rate-limit windows and a token
 * changed through the control API live in memory. The file holds the keys' tokens in clear (they
 * are the sandbox's own), so it is written readable by its owner only.
 */
export class SandboxStateFileError extends Error {
  constructor(path: string, problem: string) {
    super(`Sandbox state file ${path}: ${problem}`);
    this.name = 'SandboxStateFileError';
  }
}

const id = z.number().int().positive();
const timestamp = z.string();
const strings = z.array(z.string());

const keySchema = z.object({
  id,
  apiClientId: id,
  name: z.string(),
  authType: z.enum(['token', 'jwt', 'oauth2', 'oidc']),
  ipAllowList: strings,
  ipDenyList: strings,
  active: z.boolean(),
  activeSince: z.string().nullable(),
  authToken: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const clientSchema = z.object({
  id,
  name: z.string(),
  description: z.string(),
  projectId: z.string().nullable(),
  apiPortalId: z.number().int().nullable(),
  email: z.string().nullable(),
  idpUserId: z.string().nullable(),
  apiCollectionIds: z.array(z.number().int()),
  apiPolicyId: z.number().int().nullable(),
  authType: z.enum(['token', 'jwt', 'oauth2', 'oidc']),
  jwtMethod: z.enum(['hmac', 'rsa']).nullable(),
  jwtSecret: z.string().nullable(),
  oidcIssuer: z.string().nullable(),
  oidcJwksUri: z.string().nullable(),
  accessProfileClaim: z.string().nullable(),
  requiredClaims: strings,
  allowedIssuers: strings,
  mtlsEnabled: z.boolean(),
  validationFormula: z.string().nullable(),
  certBundleIds: z.array(z.number().int()),
  createdAt: timestamp,
  updatedAt: timestamp,
  keys: z.array(keySchema),
});

const persistedStateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.literal(STATE_VERSION),
  nextId: id,
  managedUsers: z.array(
    z.object({
      id,
      externalId: z.string().nullable(),
      name: z.string(),
      slug: z.string(),
      projects: z.array(z.object({ id: z.string(), name: z.string() })),
      portals: z.array(
        z.object({
          id,
          name: z.string(),
          subdomain: z.string(),
          kind: z.enum(['identity', 'magic_link']),
          apiCollectionIds: z.array(z.number().int()),
          createdAt: timestamp,
          updatedAt: timestamp,
        }),
      ),
      collections: z.array(
        z.object({
          id,
          name: z.string(),
          version: z.string(),
          url: z.string(),
          apiSpecUrl: z.string(),
          projectId: z.string(),
          createdAt: timestamp,
          updatedAt: timestamp,
          endpointIds: z.array(id),
        }),
      ),
      endpoints: z.array(
        z.object({
          id,
          apiCollectionId: id,
          flowId: id,
          name: z.string(),
          method: z.string(),
          url: z.string(),
          basePath: z.string(),
          path: z.string(),
          active: z.boolean(),
          createdAt: timestamp,
          updatedAt: timestamp,
        }),
      ),
      clients: z.array(clientSchema),
      collectionSlugs: strings,
    }),
  ),
});

/** The file's state, or null when there is no file; throws when it cannot be used. */
export function readStateFile(path: string): PersistedState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SandboxStateFileError(path, (error as Error).message);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SandboxStateFileError(
      path,
      `not valid JSON (${(error as Error).message}); delete it to start from the seed`,
    );
  }
  const parsed = persistedStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxStateFileError(
      path,
      `${issue.path.join('.') || '(root)'}: ${issue.message}; delete it to start from the seed`,
    );
  }
  return parsed.data as PersistedState;
}

export const DEFAULT_WRITE_INTERVAL_MS = 200;

/**
 * Rewrites the file after every change: at most once per interval (a burst of changes is one
 * write), always atomically (a temporary file renamed over the old one, so a crash leaves the
 * old file or the new one, never half of one), and once more on close.
 */
export class StateFileWriter {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private lastWriteAt = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private tmpCounter = 0;

  constructor(
    readonly path: string,
    private readonly state: SandboxState,
    private readonly intervalMs = DEFAULT_WRITE_INTERVAL_MS,
  ) {}

  /** Starts following the state's changes. */
  attach(): void {
    this.state.onChange = () => this.schedule();
  }

  schedule(): void {
    this.dirty = true;
    if (this.timer !== null || this.closed) return;
    const wait = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.chain = this.chain.then(() =>
        this.writeIfDirty().catch((error: unknown) => {
          // A timer has nobody to report to; the write on close reports its own failure.
          process.stderr.write(`${(error as Error).message}\n`);
        }),
      );
    }, wait);
  }

  /** Writes what is pending now. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.chain.then(() => this.writeIfDirty());
    this.chain = run.catch(() => undefined);
    await run;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state.onChange = null;
    await this.flush();
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.lastWriteAt = Date.now();
    const json = JSON.stringify(this.state.exportState());
    const tmp = `${this.path}.${process.pid}.${++this.tmpCounter}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, json, { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (error) {
      this.dirty = true;
      await rm(tmp, { force: true });
      throw new SandboxStateFileError(this.path, `could not write: ${(error as Error).message}`);
    }
  }
}
