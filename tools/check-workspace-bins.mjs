#!/usr/bin/env node
// Checks that every `bin` a workspace package declares is recorded in
// package-lock.json (a clean `npm ci` links only what the lock file lists)
// and is linked in node_modules/.bin to that package's file.
// Usage: node tools/check-workspace-bins.mjs [repo root]; exits 1 with one line per problem.
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json's `bin` as npm records it: { name: path without "./" }. */
export function normalizeBin(pkg) {
  const strip = (p) => p.replace(/^(\.\/)+/, '');
  if (typeof pkg.bin === 'string') return { [pkg.name.replace(/^@[^/]+\//, '')]: strip(pkg.bin) };
  const out = {};
  for (const [name, path] of Object.entries(pkg.bin ?? {})) out[name] = strip(path);
  return out;
}

/** The workspace directories (relative to root) the root package.json lists; "dir/*" globs expanded. */
export function workspaceDirs(root) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const patterns = Array.isArray(rootPkg.workspaces) ? rootPkg.workspaces : (rootPkg.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    const p = pattern.replace(/\/+$/, '');
    if (!p.endsWith('/*')) {
      dirs.push(p);
      continue;
    }
    const parent = p.slice(0, -2);
    for (const e of readdirSync(join(root, parent), { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(root, parent, e.name, 'package.json'))) dirs.push(`${parent}/${e.name}`);
    }
  }
  return dirs;
}

const show = (bin) => (Object.keys(bin).length ? Object.entries(bin).map(([n, p]) => `${n} → ${p}`).join(', ') : 'none');

/** Every problem found, as one clear sentence each; empty when all bins are in the lock file and linked. */
export function checkWorkspaceBins(root) {
  const problems = [];
  const lockPath = join(root, 'package-lock.json');
  if (!existsSync(lockPath)) return [`${lockPath} is missing: run \`npm install\` to create it`];
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  for (const dir of workspaceDirs(root)) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const declared = normalizeBin(pkg);
    const entry = lock.packages?.[dir];
    if (!entry) {
      problems.push(`package-lock.json has no entry for workspace ${dir}: run \`npm install\` to regenerate it`);
    } else {
      const locked = entry.bin ?? {};
      const same = Object.keys(declared).length === Object.keys(locked).length && Object.entries(declared).every(([n, p]) => locked[n] === p);
      if (!same) {
        problems.push(
          `package-lock.json: packages["${dir}"].bin is ${show(locked)} but ${dir}/package.json declares ${show(declared)}; ` +
            'a clean `npm ci` links only what the lock file lists: run `npm install` to regenerate it',
        );
      }
    }
    for (const [name, path] of Object.entries(declared)) {
      const target = resolve(root, dir, path);
      const link = join(root, 'node_modules/.bin', name);
      if (!existsSync(target)) {
        problems.push(`${dir}/package.json: bin ${name} → ${path} does not exist`);
        continue;
      }
      let linked;
      try {
        linked = realpathSync(link);
      } catch {
        problems.push(`node_modules/.bin/${name} is missing (declared by ${dir}/package.json): \`npm ci\` did not link it`);
        continue;
      }
      if (linked !== realpathSync(target)) problems.push(`node_modules/.bin/${name} leads to ${linked}, not to ${dir}/${path}`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../..'));
  const problems = checkWorkspaceBins(root);
  for (const p of problems) console.error(`check-workspace-bins: ${p}`);
  if (problems.length) process.exit(1);
  console.log('check-workspace-bins: every workspace bin is in package-lock.json and linked in node_modules/.bin');
}
