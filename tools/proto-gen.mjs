#!/usr/bin/env node
// Regenerates the ts-proto code with buf, both from node_modules, so it works
// offline: packages/protocol/src/gen from proto/ (buf.gen.yaml) and
// packages/cri/src/gen from the Kubernetes CRI schema (buf.gen.cri.yaml). With
// --check it fails when the committed code differs from what generation produces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules/.bin/buf');
const check = process.argv.includes('--check');
const targets = [
  { template: 'buf.gen.yaml', out: 'packages/protocol/src/gen' },
  { template: 'buf.gen.cri.yaml', out: 'packages/cri/src/gen' },
];

execFileSync(buf, ['lint'], { cwd: root, stdio: 'inherit' });

if (!check) {
  for (const { template, out } of targets) {
    rmSync(join(root, out), { recursive: true, force: true });
    execFileSync(buf, ['generate', '--template', template], { cwd: root, stdio: 'inherit' });
  }
  process.exit(0);
}

let stale = false;
for (const { template, out } of targets) {
  const scratch = mkdtempSync(join(tmpdir(), 'ce-proto-'));
  try {
    execFileSync(buf, ['generate', '--template', template, '--output', scratch], { cwd: root, stdio: 'inherit' });
    const genDir = join(root, out);
    if (!existsSync(genDir)) throw new Error(`${genDir} is missing: run npm run proto:gen`);
    try {
      execFileSync('diff', ['-r', '-u', genDir, join(scratch, out)], { stdio: 'inherit' });
    } catch {
      stale = true;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
if (stale) {
  console.error('proto:check: generated code is stale; run `npm run proto:gen` and commit the result');
  process.exit(1);
}
console.log('proto:check: generated code matches proto/ and the CRI schema');
