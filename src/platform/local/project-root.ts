import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The repository root, whether we run from src/ (tests) or dist/src/ (build). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(resolve(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json)');
    dir = parent;
  }
  return dir;
}
