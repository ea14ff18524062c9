#!/usr/bin/env node
// Regenerates packages/protocol/src/gen from proto/ with buf and ts-proto,
// both from node_modules, so it works offline. With --check it fails when the
// committed code differs from what generation produces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const genDir = join(root, 'packages/protocol/src/gen');
const buf = join(root, 'node_modules/.bin/buf');
const check = process.argv.includes('--check');

execFileSync(buf, ['lint'], { cwd: root, stdio: 'inherit' });

if (!check) {
  rmSync(genDir, { recursive: true, force: true });
  execFileSync(buf, ['generate'], { cwd: root, stdio: 'inherit' });
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'ce-proto-'));
try {
  execFileSync(buf, ['generate', '--output', scratch], { cwd: root, stdio: 'inherit' });
  const fresh = join(scratch, 'packages/protocol/src/gen');
  if (!existsSync(genDir)) throw new Error(`${genDir} is missing: run npm run proto:gen`);
  try {
    execFileSync('diff', ['-r', '-u', genDir, fresh], { stdio: 'inherit' });
  } catch {
    console.error('proto:check: generated code is stale; run `npm run proto:gen` and commit the result');
    process.exit(1);
  }
  console.log('proto:check: generated code matches proto/');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
