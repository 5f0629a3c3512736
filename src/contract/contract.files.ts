import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { asyncApiDocument } from './asyncapi.document';
import { schemaFiles } from './json-schemas';

/** Where the JSON Schema files go, relative to the repository root. */
export const SCHEMAS_DIR = 'docs/schemas';

export interface ContractFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

/**
 * The contract as committed under docs/: the AsyncAPI document and one JSON Schema file per
 * event and result, as the code generates them now.
 */
export function contractFiles(): ContractFile[] {
  return [
    { path: 'docs/asyncapi.json', content: asJson(asyncApiDocument()) },
    ...Object.entries(schemaFiles()).map(([id, schema]) => ({
      path: `${SCHEMAS_DIR}/${id}.json`,
      content: asJson(schema),
    })),
  ];
}

/**
 * The paths under `root` that differ from `files`: missing or changed files, and JSON files in
 * docs/schemas/ that are no longer generated.
 */
export function staleFiles(root: string, files: ContractFile[]): string[] {
  const changed = files.filter((f) => read(join(root, f.path)) !== f.content).map((f) => f.path);
  const leftOver = listJson(join(root, SCHEMAS_DIR))
    .map((name) => `${SCHEMAS_DIR}/${name}`)
    .filter((path) => !files.some((f) => f.path === path));
  return [...changed, ...leftOver];
}

/** The repository root: the nearest directory above `from` with a package.json. */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

function asJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function listJson(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}
