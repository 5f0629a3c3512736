import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script of npm start
const { needsBuild } = require('../../scripts/ensure-build.js') as {
  needsBuild(root: string): boolean;
};

describe('npm start builds only when a source changed', () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ensure-build-'));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'dist/src'), { recursive: true });
    writeFileSync(join(root, 'src/main.ts'), '');
    writeFileSync(join(root, 'package.json'), '{}');
    writeFileSync(join(root, 'dist/src/main.js'), '');
    at('src/main.ts', 1000);
    at('src', 1000);
    at('package.json', 1000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when there is no build yet', () => {
    expect(needsBuild(root)).toBe(true);
  });

  it('skips the build when nothing changed since, and builds again after an edit', () => {
    writeFileSync(join(root, 'dist/.build-stamp'), '');
    at('dist/.build-stamp', 2000);
    expect(needsBuild(root)).toBe(false);
    at('src/main.ts', 3000);
    expect(needsBuild(root)).toBe(true);
  });

  it('notices a new file deep in a source directory, and a changed lock file', () => {
    writeFileSync(join(root, 'dist/.build-stamp'), '');
    at('dist/.build-stamp', 2000);
    mkdirSync(join(root, 'src/deep/er'), { recursive: true });
    writeFileSync(join(root, 'src/deep/er/new.ts'), '');
    expect(needsBuild(root)).toBe(true);
    rmSync(join(root, 'src/deep'), { recursive: true });
    at('src', 1000);
    expect(needsBuild(root)).toBe(false);
    writeFileSync(join(root, 'package-lock.json'), '{}');
    expect(needsBuild(root)).toBe(true);
  });
});
