#!/usr/bin/env node
// What one ce-shim costs, and what Node flags change in it: for each set of
// flags, --shims spare shims (no task; what a shim is before its container)
// are started one after the other, each timed from spawn to its ready line,
// then, after --settle seconds, each one's memory is read from
// /proc/<pid>/smaps and split by mapping (V8 heap and malloc arenas, node's
// code and data, the native addon, other libraries). See bench/README.md.
// Run as root after `npm run build`. Spares are ended with SIGKILL (a spare
// without a task ignores SIGTERM) and the temporary folder removed.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO, alive, machineLine, mb, median, memoryOf, onCleanup, parseOptions, runBench, runChecked, until } from './lib/engines.mjs';
import { which } from '../tools/lib/private-dockerd.mjs';

const o = parseOptions('shim-memory.mjs', {
  shims: { value: 3, help: 'shims per set of flags' },
  settle: { value: 3, help: 'seconds between the last ready line and the measurement' },
  quick: { value: false, help: 'no flags and --max-semi-space-size=1 only' },
});

const SHIM = createRequire(join(REPO, 'packages/supervisor/package.json')).resolve('@ce/shim/ce-shim');
// CE_BENCH_SHIM_FLAGS='|--lite-mode|--v8-pool-size=0 --lite-mode' picks the sets ('|' between sets, '' for none).
const VARIANTS = process.env.CE_BENCH_SHIM_FLAGS !== undefined ? process.env.CE_BENCH_SHIM_FLAGS.split('|').map((f) => f.split(' ').filter(Boolean)) : o.quick ? [[], ['--max-semi-space-size=1']] : [
  [],
  ['--max-semi-space-size=1'],
  ['--max-old-space-size=16'],
  ['--v8-pool-size=0'],
  ['--single-threaded'],
  ['--lite-mode'],
  ['--jitless'],
  ['--optimize-for-size'],
  ['--max-semi-space-size=1', '--v8-pool-size=0'],
  ['--max-semi-space-size=1', '--v8-pool-size=0', '--lite-mode'],
  ['--max-semi-space-size=1', '--single-threaded', '--lite-mode'],
];

/** kB by kind of mapping, from /proc/<pid>/smaps: Pss and Private (clean + dirty). */
function breakdown(pid) {
  const kinds = {};
  let kind = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1];
      kind = !path ? 'anon (V8 heap, malloc)' : path === '[heap]' ? 'anon (V8 heap, malloc)' : path.startsWith('[') ? path : path.endsWith('.node') ? 'native addon' : basename(path) === 'node' ? 'node binary' : /\.so/.test(path) ? 'other libraries' : 'other files';
      kinds[kind] ??= { pss: 0, priv: 0 };
      continue;
    }
    const f = /^(Pss|Private_Clean|Private_Dirty):\s+(\d+) kB/.exec(line);
    if (f && kind) kinds[kind][f[1] === 'Pss' ? 'pss' : 'priv'] += Number(f[2]);
  }
  return kinds;
}

function startShim(dir, flags, n) {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, `s${n}.sock`);
  const log = join(dir, `s${n}.log`);
  const fd = openSync(log, 'a');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...flags, SHIM, '--socket', socket, '--runtime-root', join(dir, 'runtime'), '--log', log, '--log-level', 'info', '--ready-fd', '3'], {
    detached: true,
    stdio: ['ignore', fd, fd, 'pipe'],
  });
  closeSync(fd);
  onCleanup(`shim ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdio[3].on('data', (d) => {
      text += d;
      if (text.includes('\n')) {
        child.stdio[3].destroy();
        resolve({ pid: child.pid, ms: Number(process.hrtime.bigint() - t0) / 1e6, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`ce-shim ${flags.join(' ')} exited ${code} before ready: ${readFileSync(log, 'utf8').slice(-800)}`)));
  });
}

await runBench(async () => {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const tmp = await mkdtemp(join(tmpdir(), 'cbs-'));
  onCleanup('temporary folder', () => rm(tmp, { recursive: true, force: true }));
  console.log(`shim-memory: ${o.shims} spare ce-shims per flag set (${SHIM}), ${o.settle} s settle; ${machineLine()}`);
  console.log('\n| node flags | start ms (median) | PSS MB | RSS MB | private MB | anon (heap) PSS | node binary PSS | addon PSS | other libs PSS |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  // Rounds start one shim of every set, in an order that rotates, so that the load weighs on all alike.
  const shims = VARIANTS.map(() => []);
  const failed = VARIANTS.map(() => null);
  VARIANTS.forEach((_, v) => mkdirSync(join(tmp, String(v))));
  for (let i = 0; i < o.shims; i++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = (i + k) % VARIANTS.length;
      if (failed[v]) continue;
      try {
        shims[v].push(await startShim(join(tmp, String(v)), VARIANTS[v], i));
      } catch (err) {
        failed[v] = err.message.split('\n')[0];
      }
    }
  }
  await sleep(o.settle * 1000);
  VARIANTS.forEach((flags, v) => {
    const label = flags.join(' ') || '(none)';
    if (failed[v]) return console.log(`| ${label} | fails: ${failed[v]} |`);
    const mems = shims[v].map((s) => memoryOf(s.pid));
    const parts = shims[v].map((s) => breakdown(s.pid));
    const part = (k) => mb(median(parts.map((p) => p[k]?.pss ?? 0)));
    console.log(
      `| ${label} | ${median(shims[v].map((s) => s.ms)).toFixed(0)} | ${mb(median(mems.map((m) => m.pss)))} | ${mb(median(mems.map((m) => m.rss)))} | ${mb(median(mems.map((m) => m.priv)))} | ${part('anon (V8 heap, malloc)')} | ${part('node binary')} | ${part('native addon')} | ${part('other libraries')} |`,
    );
  });
  for (const s of shims.flat()) {
    s.child.kill('SIGKILL');
    await new Promise((r) => (s.child.exitCode !== null || s.child.signalCode !== null ? r() : s.child.once('exit', r)));
  }
  await conmonLine(tmp);
  console.log(`(after: ${machineLine()})`);
});

/**
 * The same figures for podman's monitor: --shims busybox `sleep` containers,
 * each under its own conmon (Debian's package) with runc, as podman runs them.
 */
async function conmonLine(tmp) {
  const conmon = which('conmon');
  const runc = which('runc');
  if (!conmon || !runc) {
    console.log(`| conmon + runc | not measured: ${conmon ? 'runc' : 'conmon'} is not installed (apt-get install conmon runc) |`);
    return;
  }
  const dir = join(tmp, 'conmon');
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  symlinkSync('busybox', join(rootfs, 'bin/sleep'));
  const state = join(dir, 'runc');
  const cgroupParent = `ce-bench-conmon-${process.pid}`;
  const pids = [];
  onCleanup('conmon containers', async () => {
    for (let i = 0; i < o.shims; i++) {
      spawnSync(runc, ['--root', state, 'kill', `c${i}`, 'KILL']);
      spawnSync(runc, ['--root', state, 'delete', '--force', `c${i}`]);
    }
    await until('conmon to exit', async () => !pids.some(alive), 10_000).catch((e) => console.error(`LEAK: ${e.message}`));
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      const parent = join('/sys/fs/cgroup', ctrl, cgroupParent);
      if (!existsSync(parent)) continue;
      for (const c of readdirSync(parent, { withFileTypes: true })) if (c.isDirectory()) rmdirSync(join(parent, c.name));
      rmdirSync(parent);
    }
  });
  for (let i = 0; i < o.shims; i++) {
    const bundle = join(dir, `b${i}`);
    mkdirSync(bundle);
    await runChecked(runc, ['spec', '--bundle', bundle]);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = ['/bin/sleep', '86400'];
    config.root.path = rootfs;
    config.linux.cgroupsPath = `/${cgroupParent}/c${i}`;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    mkdirSync(join(bundle, 'exits'));
    mkdirSync(join(bundle, 'sock'));
    // conmon runs `runc create`, daemonizes, and exits once the container is created.
    await runChecked(conmon, ['--api-version', '1', '-c', `c${i}`, '-u', `c${i}`, '-n', `c${i}`, '-r', runc, '--runtime-arg', `--root=${state}`, '-b', bundle,
      '-p', join(bundle, 'pid'), '-P', join(bundle, 'conmon.pid'), '-l', `k8s-file:${join(bundle, 'log')}`, '--exit-dir', join(bundle, 'exits'), '--socket-dir-path', join(bundle, 'sock')]);
    pids.push(Number(readFileSync(join(bundle, 'conmon.pid'), 'utf8').trim()));
    // Its child runs `runc create` after the parent returns; runc writes the pid file once created.
    await until(`runc create of c${i}`, async () => existsSync(join(bundle, 'pid')), 30_000);
    await runChecked(runc, ['--root', state, 'start', `c${i}`]);
  }
  await sleep(o.settle * 1000);
  const mems = pids.map(memoryOf);
  if (mems.some((m) => !m)) throw new Error('a conmon ended before it was measured');
  const parts = pids.map(breakdown);
  const anon = mb(median(parts.map((p) => p['anon (V8 heap, malloc)']?.pss ?? 0)));
  console.log(`| conmon + runc (${spawnSync(conmon, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}) | | ${mb(median(mems.map((m) => m.pss)))} | ${mb(median(mems.map((m) => m.rss)))} | ${mb(median(mems.map((m) => m.priv)))} | ${anon} (malloc) | | | |`);
}
