#!/usr/bin/env node
// Before `npm start` (and the other commands that run the build): install the locked
// dependencies when they are missing, and build only when a source is newer than the last
// build, so a restart takes seconds rather than a rebuild.
const { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { resolve, join } = require('node:path');

const SOURCES = [
  'src',
  'migrations',
  'workato-sandbox',
  'bench',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

/** The newest modification time (ms) of a file or of any file below a directory. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Whether the build in `root` is missing or older than one of its sources. */
function needsBuild(root) {
  const stamp = resolve(root, 'dist/.build-stamp');
  if (!existsSync(stamp) || !existsSync(resolve(root, 'dist/src/main.js'))) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((source) => newest(resolve(root, source)) > built);
}

function main() {
  const root = resolve(__dirname, '..');
  if (!existsSync(resolve(root, 'node_modules/.package-lock.json'))) {
    console.log('node_modules is missing: running npm ci');
    execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  }
  if (!needsBuild(root)) return;
  const startedAt = Date.now();
  console.log('sources changed since the last build: building');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
  mkdirSync(resolve(root, 'dist'), { recursive: true });
  // Stamped with the time the build started: a source saved during the build counts as newer.
  const stamp = resolve(root, 'dist/.build-stamp');
  writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
  utimesSync(stamp, startedAt / 1000, startedAt / 1000);
}

module.exports = { needsBuild, newest };
if (require.main === module) main();
