#!/usr/bin/env node
// `npm start` on a fresh clone: install the locked dependencies first when they are missing.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { resolve } = require('node:path');

const root = resolve(__dirname, '..');
if (!existsSync(resolve(root, 'node_modules/.package-lock.json'))) {
  console.log('node_modules is missing: running npm ci');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
