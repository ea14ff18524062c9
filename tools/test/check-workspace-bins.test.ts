import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs tool without types
import { checkWorkspaceBins, normalizeBin } from '../check-workspace-bins.mjs';

const check = checkWorkspaceBins as (root: string) => string[];

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ce-bins-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A repo with workspace packages/tool declaring `bin`, its lock entry recording `lockedBin`, and linked as `links`. */
function repo(opts: { bin: unknown; lockedBin?: Record<string, string>; links?: Record<string, string>; workspaces?: string[] }): void {
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'r', workspaces: opts.workspaces ?? ['packages/tool'] }));
  mkdirSync(join(root, 'packages/tool/bin'), { recursive: true });
  writeFileSync(join(root, 'packages/tool/bin/tool.mjs'), '#!/usr/bin/env node\n');
  writeFileSync(join(root, 'packages/tool/package.json'), JSON.stringify({ name: '@x/tool', bin: opts.bin }));
  const entry: Record<string, unknown> = { name: '@x/tool' };
  if (opts.lockedBin) entry.bin = opts.lockedBin;
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'packages/tool': entry } }));
  mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
  for (const [name, target] of Object.entries(opts.links ?? {})) symlinkSync(target, join(root, 'node_modules/.bin', name));
}

describe('check-workspace-bins', () => {
  it('passes when the lock file records the bin and node_modules/.bin links it', () => {
    repo({ bin: { tool: './bin/tool.mjs' }, lockedBin: { tool: 'bin/tool.mjs' }, links: { tool: '../../packages/tool/bin/tool.mjs' } });
    expect(check(root)).toEqual([]);
  });

  it('names a bin the lock file lacks (what a clean `npm ci` would not link) and the missing link', () => {
    repo({ bin: { tool: './bin/tool.mjs' } });
    expect(check(root)).toEqual([
      'package-lock.json: packages["packages/tool"].bin is none but packages/tool/package.json declares tool → bin/tool.mjs; a clean `npm ci` links only what the lock file lists: run `npm install` to regenerate it',
      'node_modules/.bin/tool is missing (declared by packages/tool/package.json): `npm ci` did not link it',
    ]);
  });

  it('catches a stale lock entry and a link to the wrong file', () => {
    repo({ bin: 'bin/tool.mjs', lockedBin: { tool: 'bin/old.mjs' }, links: { tool: '../../packages/tool/package.json' } });
    expect(check(root)).toEqual([
      'package-lock.json: packages["packages/tool"].bin is tool → bin/old.mjs but packages/tool/package.json declares tool → bin/tool.mjs; a clean `npm ci` links only what the lock file lists: run `npm install` to regenerate it',
      `node_modules/.bin/tool leads to ${join(root, 'packages/tool/package.json')}, not to packages/tool/bin/tool.mjs`,
    ]);
  });

  it('expands "dir/*" workspaces and reports a workspace missing from the lock file', () => {
    repo({ bin: { tool: './bin/tool.mjs' }, lockedBin: { tool: 'bin/tool.mjs' }, links: { tool: '../../packages/tool/bin/tool.mjs' }, workspaces: ['packages/*'] });
    mkdirSync(join(root, 'packages/other'));
    writeFileSync(join(root, 'packages/other/package.json'), JSON.stringify({ name: 'other' }));
    expect(check(root)).toEqual(['package-lock.json has no entry for workspace packages/other: run `npm install` to regenerate it']);
  });

  it('normalizes bin as npm records it', () => {
    expect(normalizeBin({ name: '@x/tool', bin: './bin/t.mjs' })).toEqual({ tool: 'bin/t.mjs' });
    expect(normalizeBin({ name: 'a', bin: { a: './x.js', b: 'y.js' } })).toEqual({ a: 'x.js', b: 'y.js' });
    expect(normalizeBin({ name: 'a' })).toEqual({});
  });

  it("passes on this repository's own lock file and node_modules", () => {
    const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
    expect(JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).packages['packages/runtime'].bin).toEqual({ 'ce-runc': 'bin/ce-runc.mjs' });
    expect(check(repoRoot)).toEqual([]);
  });
});
