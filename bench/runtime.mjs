#!/usr/bin/env node
// bench/runtime: the OCI runtime's cost, from one run, on one busybox bundle running `true`:
//   runc run (the reference), ce-runc run (a Node process + @ce/runtime), the in-process
//   API (create + start + wait [+ delete]) as ce's shim calls it, and `node -e 0`.
// Usage: node bench/runtime.mjs [--runs N] [--warmup N] [--keep]   (root; needs `npm run build`)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CE_RUNC = join(REPO, 'packages/runtime/bin/ce-runc.mjs');

function parseArgs(argv) {
  const o = { runs: 20, warmup: 3, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a === '--warmup') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (a === '--runs' ? 1 : 0)) usage(`${a} needs a whole number, not ${argv[i]}`);
      o[a.slice(2)] = n;
    } else if (a === '--keep') o.keep = true;
    else usage(`unknown option ${a}`);
  }
  return o;
}

function usage(error) {
  console.error(`${error}\nusage: node bench/runtime.mjs [--runs N (20)] [--warmup N (3)] [--keep]`);
  process.exit(2);
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, median, p90: s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)], min: s[0] };
}

const fmt = (ms) => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);

/** Spawn → exit wall time of a command that must exit 0. */
function timeCommand(cmd, args) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolvePromise(ms);
    });
  });
}

/** A busybox rootfs with `true`, shared by the three bundles. */
function makeRootfs(dir) {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const a of ['sh', 'true']) symlinkSync('busybox', join(rootfs, 'bin', a));
  for (const d of ['proc', 'sys', 'dev', 'tmp']) mkdirSync(join(rootfs, d));
  return rootfs;
}

/**
 * runc's own `runc spec` config with `true` as the process, no terminal, and
 * an absolute cgroup of its own per subject: every runtime does the same work.
 */
function makeBundle(dir, name, rootfs, cgroupParent) {
  const bundle = join(dir, `bundle-${name}`);
  mkdirSync(bundle);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(execFileSync('cat', [join(bundle, 'config.json')], { encoding: 'utf8' }));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.root.path = rootfs;
  spec.linux.cgroupsPath = `/${cgroupParent}/${name}`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  return bundle;
}

function removeCgroupParent(name) {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', h, name);
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(d, e.name));
    rmdirSync(d);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid() !== 0) usage('run as root');
  if (!existsSync(join(REPO, 'packages/runtime/dist/ce-runc.mjs'))) usage('build first: npm run build');
  const { Runtime } = await import(join(REPO, 'packages/runtime/dist/index.js'));
  const runc = spawnSync('runc', ['--version'], { encoding: 'utf8' });
  if (runc.status !== 0) usage('runc is not installed (apt-get install runc)');

  const dir = await mkdtemp(join(tmpdir(), 'ce-bench-runtime-'));
  const cgroupParent = `ce-bench-runtime-${process.pid}`;
  const rootfs = makeRootfs(dir);
  const bundles = Object.fromEntries(['runc', 'ce-runc', 'api'].map((n) => [n, makeBundle(dir, n, rootfs, cgroupParent)]));
  const runcRoot = join(dir, 'runc-state');
  const ceRoot = join(dir, 'ce-runc-state');
  const rt = new Runtime({ root: join(dir, 'api-state') });
  const apiPhases = { exited: [], deleted: [] };

  const subjects = [
    { label: 'node -e 0', run: () => timeCommand(process.execPath, ['-e', '0']) },
    { label: 'runc run', run: () => timeCommand('runc', ['--root', runcRoot, 'run', '--bundle', bundles.runc, 'bench-runc']) },
    { label: 'ce-runc run', run: () => timeCommand(process.execPath, [CE_RUNC, '--root', ceRoot, 'run', '--bundle', bundles['ce-runc'], 'bench-ce-runc']) },
    {
      label: 'API create+start+wait+delete',
      run: async () => {
        const t0 = process.hrtime.bigint();
        const c = await rt.create('bench-api', bundles.api);
        await rt.start('bench-api');
        const { exitStatus } = await c.exited;
        const t1 = process.hrtime.bigint();
        await rt.delete('bench-api');
        const t2 = process.hrtime.bigint();
        if (exitStatus !== 0) throw new Error(`in-process container exited ${exitStatus}`);
        return { ms: Number(t2 - t0) / 1e6, exited: Number(t1 - t0) / 1e6, deleted: Number(t2 - t0) / 1e6 };
      },
    },
  ];

  try {
    console.log(`bench/runtime: ${opts.runs} rounds after ${opts.warmup} warm-up runs each; ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, Linux ${release()}, Node ${process.version}, ${runc.stdout.split('\n')[0]}`);
    for (const s of subjects) for (let i = 0; i < opts.warmup; i++) await s.run();
    for (const s of subjects) s.ms = [];
    for (let i = 0; i < opts.runs; i++) {
      // rotate the order each round, so the machine's load weighs on all alike
      for (let j = 0; j < subjects.length; j++) {
        const s = subjects[(i + j) % subjects.length];
        const r = await s.run();
        if (typeof r === 'number') s.ms.push(r);
        else {
          s.ms.push(r.ms);
          apiPhases.exited.push(r.exited);
        }
      }
    }
    const st = Object.fromEntries(subjects.map((s) => [s.label, stats(s.ms)]));
    const line = (label, x) => `${label.padEnd(32)} median ${fmt(x.median).padStart(7)}  p90 ${fmt(x.p90).padStart(7)}  min ${fmt(x.min).padStart(7)}`;
    console.log('');
    for (const s of subjects) console.log(line(s.label, st[s.label]));
    const exited = stats(apiPhases.exited);
    console.log(line('  of which create+start+wait', exited));
    const runcMed = st['runc run'].median;
    const node = st['node -e 0'].median;
    const ceRunc = st['ce-runc run'].median;
    const api = st['API create+start+wait+delete'].median;
    console.log('');
    console.log(`in-process API / runc run:         ${(api / runcMed).toFixed(2)}×  (create+start+wait alone: ${(exited.median / runcMed).toFixed(2)}×; goal ≤ 1.0×)`);
    console.log(`ce-runc run / runc run:            ${(ceRunc / runcMed).toFixed(2)}×`);
    console.log(`ce-runc run − node start-up:       ${fmt(ceRunc - node)} vs runc ${fmt(runcMed)} → ${((ceRunc - node) / runcMed).toFixed(2)}× (goal: ce-runc within Node's start-up of runc)`);
  } finally {
    for (const c of await rt.list().catch(() => [])) await rt.delete(c.id, { force: true }).catch(() => {});
    spawnSync('runc', ['--root', runcRoot, 'delete', '--force', 'bench-runc']);
    spawnSync(process.execPath, [CE_RUNC, '--root', ceRoot, 'delete', '--force', 'bench-ce-runc']);
    try {
      removeCgroupParent(cgroupParent);
    } catch (err) {
      console.error(`LEAK: cgroup ${cgroupParent}: ${err.message}`);
    }
    if (opts.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.stack ?? err);
    process.exit(1);
  },
);
