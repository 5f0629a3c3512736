import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { contractFiles, repositoryRoot, staleFiles } from './contract.files';

/**
 * Writes the contract generated from the zod schemas: docs/asyncapi.json and docs/schemas/*.json
 * (removing a schema file that is no longer generated). With `--check` it writes nothing and
 * fails when the committed files differ from what the code generates.
 */
function main(): void {
  const root = repositoryRoot();
  const files = contractFiles();
  const stale = staleFiles(root, files);
  if (process.argv.includes('--check')) {
    if (stale.length === 0) return console.log('docs/: the contract is up to date');
    console.error(`docs/: stale ${stale.join(', ')}; run npm run contract`);
    process.exitCode = 1;
    return;
  }
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  for (const path of stale.filter((p) => !files.some((f) => f.path === p)))
    rmSync(join(root, path));
  console.log(`wrote ${files.map((f) => f.path).join(', ')}`);
}

main();
