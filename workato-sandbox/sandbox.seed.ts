import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The customer workspaces a sandbox starts with. Projects and portals cannot be created through
 * the Embedded API platform endpoints, so they only ever come from a seed.
 */
const seedPortalSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  subdomain: z.string().min(1).optional(),
  /**
   * Workato has two portal generations: magic-link portals identify a client by `email`, the
   * newer identity portals by `idp_user_id` (003). The public API does not expose which one a
   * portal is, so the seed has to say it (beyond the documents).
   */
  kind: z.enum(['identity', 'magic_link']),
  api_collection_ids: z.array(z.number().int()).optional(),
});

const seedProjectSchema = z.object({
  id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'must be a numeric id')]),
  name: z.string().min(1),
});

const seedManagedUserSchema = z.object({
  id: z.number().int().positive(),
  externalId: z.string().min(1).optional(),
  name: z.string().min(1),
  projects: z.array(seedProjectSchema).default([]),
  portals: z.array(seedPortalSchema).default([]),
});

export const sandboxSeedSchema = z.object({
  managedUsers: z.array(seedManagedUserSchema),
});

export type SandboxSeed = z.input<typeof sandboxSeedSchema>;
export type ParsedSandboxSeed = z.output<typeof sandboxSeedSchema>;
export type SandboxSeedPortal = z.output<typeof seedPortalSchema>;

export class SandboxSeedError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid sandbox seed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SandboxSeedError';
  }
}

export function parseSeed(input: unknown): ParsedSandboxSeed {
  const result = sandboxSeedSchema.safeParse(input);
  if (!result.success) {
    throw new SandboxSeedError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadSeedFile(path: string): ParsedSandboxSeed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SandboxSeedError([`${path}: ${(error as Error).message}`]);
  }
  return parseSeed(raw);
}
