// What the container benches share: one temporary folder with cleanup on exit
// and on signals, a private dockerd and a private ced with the same busybox
// image, spawning with wall-time measurement, and the memory of the engine's
// processes from /proc/<pid>/smaps_rollup. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrivateDockerd } from '../../tools/lib/private-dockerd.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CE_JS = packageBin('packages/cli', 'ce', 'dist/bin/ce.js');
export const CED_JS = packageBin('packages/api', 'ced', 'dist/bin/ced.js');
export const IMAGE = 'bb:latest';
/** An idle container: busybox's sleep, long enough to outlive any bench. */
export const IDLE = ['sleep', '86400'];

function packageBin(dir, name, fallback) {
  try {
    const bin = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')).bin;
    const rel = typeof bin === 'string' ? bin : bin?.[name];
    if (rel && existsSync(join(REPO, dir, rel))) return join(REPO, dir, rel);
  } catch {}
  return join(REPO, dir, fallback);
}

// ---------------------------------------------------------------- options

/**
 * `spec`: { name: { value: default, help } }; a number default takes an integer ≥ 1,
 * a boolean default is a flag. Aliases: { '-n': 'count' }.
 */
export function parseOptions(script, spec, aliases = {}) {
  const o = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, v.value]));
  const usage = (error) => {
    const lines = Object.entries(spec).map(([k, v]) => `  --${k}${typeof v.value === 'boolean' ? '' : ' N'}`.padEnd(18) + `${v.help}${typeof v.value === 'number' ? ` (default ${v.value})` : ''}`);
    const text = `usage: node bench/${script} [options]\n${lines.join('\n')}`;
    if (error) {
      console.error(`${script}: ${error}\n${text}`);
      process.exit(2);
    }
    console.log(text);
    process.exit(0);
  };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline;
    if (a.includes('=')) [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    if (a === '-h' || a === '--help') usage();
    const key = aliases[a] ?? (a.startsWith('--') ? a.slice(2) : undefined);
    if (!key || !(key in spec)) usage(`unknown option ${a}`);
    if (typeof spec[key].value === 'boolean') o[key] = true;
    else {
      const v = inline ?? argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) usage(`${a} must be an integer ≥ 1`);
      o[key] = n;
    }
  }
  return o;
}

// ---------------------------------------------------------------- cleanup

const cleanups = [];
let cleaning = null;

export function onCleanup(name, fn) {
  cleanups.push({ name, fn });
}

export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { name, fn } = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup (${name}): ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (cleaning) return;
    console.error(`\n${sig}: cleaning up…`);
    cleanup().finally(() => process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[sig] ?? 0)));
  });
}

/** Runs `main` and the cleanups after it, whatever happens; exit 1 on error. */
export async function runBench(main) {
  let failed = false;
  try {
    await main();
  } catch (err) {
    failed = true;
    console.error(err?.stack ?? String(err));
  } finally {
    await cleanup();
  }
  process.exit(failed ? 1 : 0);
}

// ---------------------------------------------------------------- processes

/** Spawns and waits: { code, signal, stdout, stderr, ms } (ms: spawn → exit, hrtime). */
export function run(cmd, args, { env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    let t1 = null;
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => (t1 = process.hrtime.bigint()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number((t1 ?? process.hrtime.bigint()) - t0) / 1e6;
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms });
    });
  });
}

/** run(), throwing with the command's stderr unless it exits 0. */
export async function runChecked(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const shown = [cmd, ...args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
    throw new Error(`${shown}: exit ${r.code ?? r.signal}\n${(r.stderr || r.stdout).trimEnd().split('\n').slice(-20).join('\n')}`);
  }
  return r;
}

/** Runs every job at once; the wall time from the first spawn to the last exit, and the results. */
export async function allAtOnce(jobs) {
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(jobs.map((job) => job()));
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, results };
}

/** Runs jobs with at most `limit` at a time. */
export async function inBatches(jobs, limit) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

export async function until(what, check, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Processes (not this one) whose command line mentions `needle`: [{ pid, argv }]. */
export function processesMentioning(needle) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.some((a) => a.includes(needle))) found.push({ pid: Number(name), argv });
    } catch {}
  }
  return found;
}

/** CPU time (ms, utime + stime) of every process whose command line mentions `needle`. */
export function cpuMsOfProcessesMentioning(needle) {
  let ticks = 0;
  for (const { pid } of processesMentioning(needle)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return (ticks * 1000) / 100;
}

/**
 * CPU time (ms, nanosecond-precise: the first field of each thread's /proc schedstat) of every process whose
 * command line mentions one of `needles`, every thread counted. Only processes alive at both readings compare:
 * one that exits in between takes its time out of the sum.
 */
export function cpuMsOfThreadsMentioning(...needles) {
  let ns = 0;
  for (const { pid } of processesMentioning(needles[0]).concat(...needles.slice(1).map((n) => processesMentioning(n))).filter((p, i, a) => a.findIndex((q) => q.pid === p.pid) === i)) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {}
  }
  return ns / 1e6;
}

/**
 * Waits until the processes mentioning `needle` (engines and their shims) are
 * back to idle: at most `idleShare` of a core in a `windowMs` window (idle
 * engines with 50 containers each use ~8% here: shims' timers), or `maxMs` gone.
 * A command can leave work behind it (ced starts a spare shim after a run,
 * ~150 ms of CPU; containerd removes snapshots): without this, that work is
 * timed in the next command, whichever engine that one talks to.
 * Returns how long it waited.
 */
export async function settle(needle, { windowMs = 200, idleShare = 0.15, maxMs = 3000 } = {}) {
  const t0 = Date.now();
  let before = cpuMsOfProcessesMentioning(needle);
  while (Date.now() - t0 < maxMs) {
    await sleep(windowMs);
    const now = cpuMsOfProcessesMentioning(needle);
    // (a process that exited meanwhile takes its CPU out of the sum: negative is idle too)
    if (now - before <= windowMs * idleShare) break;
    before = now;
  }
  return Date.now() - t0;
}

function mountsUnder(dir) {
  const unescape = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && unescape(p).startsWith(dir + '/'))
    .map(unescape);
}

// ---------------------------------------------------------------- memory

/** kB from /proc/<pid>/smaps_rollup: { pss, rss, priv } (priv = Private_Clean + Private_Dirty), or null if gone. */
export function memoryOf(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return null;
  }
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { pss: field('Pss'), rss: field('Rss'), priv: field('Private_Clean') + field('Private_Dirty'), anon: field('Pss_Anon'), file: field('Pss_File') };
}

/** What an engine process is, from its command line. */
export function roleOf(argv) {
  const exe = basename(argv[0] ?? '');
  if (exe === 'node' || exe.startsWith('node')) {
    const script = basename(argv.find((a, i) => i > 0 && !a.startsWith('-')) ?? '');
    if (/^ced/.test(script)) return 'ced';
    if (/ce-shim/.test(script)) return 'ce-shim';
    if (/ce-supervisor/.test(script)) return 'ce-supervisor';
    return `node ${script}`;
  }
  return exe;
}

/** The engine's processes (all mentioning `dir` in their command line) with their memory. */
export function engineMemory(dir) {
  return processesMentioning(dir)
    .map(({ pid, argv }) => ({ pid, role: roleOf(argv), mem: memoryOf(pid) }))
    .filter((p) => p.mem && p.role !== 'docker' && !/^node ce(\.mjs|\.js)?$/.test(p.role));
}

export const mb = (kB) => (kB / 1024).toFixed(2);

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length ? (s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2) : NaN;
}

export function machineLine() {
  const [l1, l5] = loadavg();
  return `${cpus().length} cores, load average ${l1.toFixed(2)} / ${l5.toFixed(2)} (1 / 5 min), node ${process.version}`;
}

// ---------------------------------------------------------------- the engines

/** A busybox root filesystem as a tar file (Debian's busybox-static with its applets linked), plus `extraFiles` (path in the image → file on the host). */
function busyboxTar(dir, extraFiles = {}) {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n')) {
    if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  }
  for (const [inImage, from] of Object.entries(extraFiles)) copyFileSync(from, join(root, inImage));
  const tar = join(dir, 'rootfs.tar');
  const r = spawnSync('tar', ['-C', root, '-cf', tar, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return tar;
}

/**
 * A temporary folder under /tmp, removed by cleanup() with what is left in it:
 * processes that mention it (killed, reported) and mounts under it (unmounted).
 */
export async function benchFolder(prefix) {
  const tmp = await mkdtemp(join(tmpdir(), prefix));
  onCleanup('temporary folder', async () => {
    const leftover = processesMentioning(tmp);
    for (const p of leftover) {
      console.error(`LEAK: process ${p.pid} ${p.argv.join(' ')}`);
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
    const mounts = mountsUnder(tmp).sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      console.error(`LEAK: mount ${m}`);
      spawnSync('umount', ['-l', m]);
    }
    await rm(tmp, { recursive: true, force: true });
  });
  return tmp;
}

/**
 * One temporary folder (short: shim sockets live under it), a private dockerd
 * and a private ced, both with `bb:latest` (the same busybox image: imported
 * into docker, saved, loaded into ce). All removed by cleanup(), which also
 * reports and removes anything left behind. `cedArgs` are more ced flags,
 * `dockerd` more startPrivateDockerd options (e.g. { networking: true }),
 * `extraFiles` more files in the image (path in the image → file on the host).
 */
export async function startEngines({ cedEnv, cedArgs = [], dockerd = {}, extraFiles = {} } = {}) {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const tmp = await benchFolder('cbd-');

  const tar = busyboxTar(tmp, extraFiles);
  const d = await startPrivateDockerd({ dir: join(tmp, 'docker'), ...dockerd });
  onCleanup('dockerd', () => d.stop());
  const docker = (args, opts) => run(d.client, [...d.host, ...args], { env: d.env, ...opts });
  const dockerChecked = (args, opts) => runChecked(d.client, [...d.host, ...args], { env: d.env, ...opts });
  onCleanup('docker containers', async () => {
    const ids = (await docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 20) await docker(['rm', '-f', ...ids.slice(i, i + 20)]);
  });
  await dockerChecked(['import', '--change', 'CMD ["sh"]', tar, IMAGE]);
  await dockerChecked(['save', '-o', join(tmp, 'bb.tar'), IMAGE]);

  const root = join(tmp, 'r');
  const state = join(tmp, 's');
  const sock = join(state, 'ce.sock');
  const logFd = openSync(join(tmp, 'ced.log'), 'a');
  const ced = spawn(process.execPath, [CED_JS, '--root', root, '--state', state, ...cedArgs], { stdio: ['ignore', logFd, logFd], env: { ...process.env, ...cedEnv } });
  closeSync(logFd);
  const cedExit = new Promise((r) => ced.once('exit', r));
  onCleanup('ced', async () => {
    if (ced.exitCode !== null || ced.signalCode !== null) return;
    ced.kill('SIGTERM');
    if (!(await Promise.race([cedExit.then(() => true), sleep(20_000).then(() => false)]))) ced.kill('SIGKILL');
  });
  const ce = (args, opts) => run(process.execPath, [CE_JS, '-H', sock, ...args], opts);
  const ceChecked = (args, opts) => runChecked(process.execPath, [CE_JS, '-H', sock, ...args], opts);
  onCleanup('ce containers', async () => {
    const ids = (await ce(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 20) await ce(['rm', '-f', ...ids.slice(i, i + 20)]);
  });
  await until('ced to answer', async () => {
    if (ced.exitCode !== null) throw new Error(`ced exited ${ced.exitCode}: ${readFileSync(join(tmp, 'ced.log'), 'utf8').slice(-2000)}`);
    return existsSync(sock) && (await ce(['version'])).code === 0;
  });
  await ceChecked(['load', '-i', join(tmp, 'bb.tar')]);

  return {
    tmp,
    ce,
    ceChecked,
    docker,
    dockerChecked,
    dockerVersion: (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    /** The private dockerd's bridge device. */
    dockerBridge: d.bridge,
    /** ced's own (pino) log; `ced.log` in the folder holds its stdout and stderr. */
    cedLog: join(root, 'ced.log'),
    /** ce's processes: ced and every ce-shim (they mention ced's root or state). */
    ceMemory: () => engineMemory(join(tmp, 'r')).concat(engineMemory(join(tmp, 's'))).filter((p, i, a) => a.findIndex((q) => q.pid === p.pid) === i),
    /** Docker's: dockerd, containerd and every containerd-shim-runc-v2 (they mention its folder). */
    dockerMemory: () => engineMemory(join(tmp, 'docker')),
  };
}

/** Removes every container of both engines (ce, then docker), in batches of 20. */
export async function removeAll(e) {
  for (const [ps, rmf] of [
    [() => e.ce(['ps', '-aq']), (ids) => e.ceChecked(['rm', '-f', ...ids])],
    [() => e.docker(['ps', '-aq']), (ids) => e.dockerChecked(['rm', '-f', ...ids])],
  ]) {
    const ids = (await ps()).stdout.trim().split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 20) await rmf(ids.slice(i, i + 20));
  }
}
