#!/usr/bin/env node
// Run latency: `ce run --rm hello-world` against a real ced, compared with
// `docker run --rm` (Debian's docker.io, its own dockerd) and `runc run` of the
// same rootfs, with a breakdown of where ce's time goes. See bench/README.md.
//
//   node bench/run-latency.mjs [--runs N] [--warmup N] [--no-docker] [--no-ce] [--layer FILE.tar.gz] [--keep]
//
// Everything lives in one temporary folder; ced and dockerd are started here
// and stopped (SIGTERM) at the end, leftover mounts under the folder are
// unmounted and the folder removed, also on error and on Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, openSync, closeSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { aptInstall, startPrivateDockerd, which } from '../tools/lib/private-dockerd.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The commands as installed: each package's `bin` (ce: bin/ce.cjs, the bundle's loader), else the tsc output.
const CE_JS = packageBin('packages/cli', 'ce', 'dist/bin/ce.js');
const CED_JS = packageBin('packages/api', 'ced', 'dist/bin/ced.js');
const EMBEDDED = join(REPO, 'packages/api/dist/embedded/hello-world');
const GREETING = 'Hello from ce!';
const GOAL = 0.7; // issue 9: ce run --rm ≤ 0.7× Docker's time

function packageBin(dir, name, fallback) {
  try {
    const bin = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')).bin;
    const rel = typeof bin === 'string' ? bin : bin?.[name];
    if (rel && existsSync(join(REPO, dir, rel))) return join(REPO, dir, rel);
  } catch {}
  return join(REPO, dir, fallback);
}

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { runs: 20, warmup: 3, docker: true, ce: true, runc: true, layer: null, keep: false, baselineCe: null, baselineCed: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--runs' || a.startsWith('--runs=')) o.runs = int(value(), a);
    else if (a === '--warmup' || a.startsWith('--warmup=')) o.warmup = int(value(), a, 0);
    else if (a === '--layer' || a.startsWith('--layer=')) o.layer = resolve(value());
    else if (a === '--baseline-ce' || a.startsWith('--baseline-ce=')) o.baselineCe = resolve(value());
    else if (a === '--baseline-ced' || a.startsWith('--baseline-ced=')) o.baselineCed = resolve(value());
    else if (a === '--no-docker') o.docker = false;
    else if (a === '--no-ce') o.ce = false;
    else if (a === '--no-runc') o.runc = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown option ${a}`);
  }
  if (o.baselineCed && !o.baselineCe) usage('--baseline-ced needs --baseline-ce');
  return o;
}

function int(v, name, min = 1) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`${name} must be an integer ≥ ${min}`);
  return n;
}

function usage(error) {
  const text = `usage: node bench/run-latency.mjs [--runs N] [--warmup N] [--no-docker] [--no-ce] [--no-runc] [--layer FILE.tar.gz] [--baseline-ce FILE [--baseline-ced FILE]] [--keep]
  --runs N      timed runs per command (default 20)
  --warmup N    untimed runs first (default 3)
  --no-docker   skip docker (no apt-get install, no dockerd)
  --no-ce       skip ced/ce (docker and runc only)
  --no-runc     skip the runc floor
  --layer FILE  rootfs tarball to use instead of the embedded hello-world layer (the ce half always uses hello-world)
  --baseline-ce FILE  another ce entry (e.g. a copy of an earlier build's bin/ce.mjs) timed in the same rounds against the same ced
  --baseline-ced FILE with --baseline-ce: the baseline ce runs against this ced (another build's dist/bin/ced.js), started beside the first
  --keep        keep the temporary folder (after stopping daemons and unmounting)`;
  if (error) {
    console.error(`run-latency: ${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------- cleanup

const cleanups = []; // run in reverse order, once
let cleaning = null;
let activeChild = null;

function onCleanup(name, fn) {
  cleanups.push({ name, fn });
}

function cleanup() {
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
    if (cleaning) return; // second Ctrl-C while cleaning: keep cleaning
    console.error(`\nrun-latency: ${sig}, cleaning up…`);
    try {
      activeChild?.kill('SIGKILL');
    } catch {}
    cleanup().finally(() => process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[sig] ?? 0)));
  });
}

// ---------------------------------------------------------------- processes

/**
 * Spawns a command and waits for it: { code, signal, stdout, stderr, ms }.
 * ms is the wall time from spawn to exit, measured with hrtime.
 */
function run(cmd, args, { env, timeoutMs = 120_000, input } = {}) {
  if (cleaning) return Promise.reject(new Error('interrupted'));
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    let t1 = null;
    let child;
    try {
      child = spawn(cmd, args, { env: env ?? process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    activeChild = child;
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => {
      t1 = process.hrtime.bigint();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      if (activeChild === child) activeChild = null;
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (activeChild === child) activeChild = null;
      const end = t1 ?? process.hrtime.bigint();
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Number(end - t0) / 1e6,
      });
    });
  });
}

function describe(cmd, args) {
  return [cmd, ...args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** Runs and throws (with its stderr) unless it exits 0 and stdout has `expect`. */
async function runChecked(cmd, args, opts = {}) {
  const r = await run(cmd, args, opts);
  const ok = r.code === 0 && (opts.expect === undefined || r.stdout.includes(opts.expect));
  if (!ok) {
    const why = r.code !== 0 ? `exit ${r.code ?? r.signal}` : `stdout lacks ${JSON.stringify(opts.expect)}`;
    const e = new Error(`${describe(cmd, args)}: ${why}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`);
    e.result = r;
    throw e;
  }
  return r;
}

function tail(text, lines = 30) {
  const l = text.trimEnd().split('\n');
  return (l.length > lines ? ['…', ...l.slice(-lines)] : l).join('\n');
}

function tailFile(path, lines = 30) {
  try {
    return tail(readFileSync(path, 'utf8'), lines);
  } catch {
    return '(no log)';
  }
}

/** Starts a long-lived daemon in its own process group, output to a file. */
function startDaemon(cmd, args, logFile, env) {
  if (cleaning) throw new Error('interrupted');
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    child.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    child.on('error', () => {});
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. */
async function stopProcess(pid, exited, graceMs = 20_000) {
  if (!pid || !alive(pid)) return 'not running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (exited) {
      const r = await Promise.race([exited, sleep(100).then(() => null)]);
      if (r) return 'stopped';
    } else {
      if (!alive(pid)) return 'stopped';
      await sleep(100);
    }
  }
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    await Promise.race([exited ?? sleep(500), sleep(2000)]);
    return 'killed (SIGKILL after no exit on SIGTERM)';
  }
  return 'stopped';
}

/** Processes (not us) whose command line mentions `needle`: [{ pid, cmd }]. */
function processesMentioning(needle) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmd.includes(needle)) found.push({ pid: Number(name), cmd });
    } catch {}
  }
  return found;
}

function mountsUnder(dir) {
  const unescape = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => unescape(l.split(' ')[4]))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
}

/** Unmounts everything at or under dir (deepest first, lazily). Returns what was left mounted before. */
function unmountUnder(dir) {
  const before = mountsUnder(dir);
  for (let pass = 0; pass < 3; pass++) {
    const left = [...new Set(mountsUnder(dir))].sort((a, b) => b.length - a.length);
    if (!left.length) break;
    for (const m of left) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  }
  const still = mountsUnder(dir);
  if (still.length) for (const m of still) spawnSync('umount', ['-R', '-l', m], { stdio: 'ignore' });
  return before;
}

// ---------------------------------------------------------------- statistics

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)];
  return { n, median, p90, min: s[0], max: s[n - 1], mean: s.reduce((a, b) => a + b, 0) / n };
}

const fmt = (ms) => (ms == null || Number.isNaN(ms) ? '–' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);

function statLine(label, st) {
  if (!st) return `${label.padEnd(34)} –`;
  return `${label.padEnd(34)} median ${fmt(st.median).padStart(7)}  p90 ${fmt(st.p90).padStart(7)}  min ${fmt(st.min).padStart(7)}  (n=${st.n})`;
}

/**
 * A subject is one command to time: { key, label, make(i) → [cmd, args, opts], expect }.
 * Each gets `warmup` untimed runs, then the timed runs go in rounds, one run of
 * every subject per round, in an order that rotates each round: the machine's
 * load at any moment weighs on all of them alike. Every run must pass runChecked.
 */
async function warmUp(subject, warmup) {
  for (let i = 0; i < warmup; i++) {
    const [cmd, args, o] = subject.make(`w${i}`);
    await runChecked(cmd, args, { ...o, expect: subject.expect });
  }
}

async function timeRounds(subjects, runs) {
  for (const s of subjects) s.ms = [];
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < subjects.length; j++) {
      const s = subjects[(i + j) % subjects.length];
      const [cmd, args, o] = s.make(i);
      s.ms.push((await runChecked(cmd, args, { ...o, expect: s.expect })).ms);
    }
    process.stdout.write(i + 1 === runs ? `${runs} rounds done\n` : '.');
  }
  for (const s of subjects) s.st = stats(s.ms);
}

// ---------------------------------------------------------------- the rootfs layer

/** Reads index.json → manifest → layers[0] of an OCI layout: the layer blob's path. */
async function embeddedLayer(layout) {
  const blob = (digest) => {
    const [alg, hex] = digest.split(':');
    return join(layout, 'blobs', alg, hex);
  };
  let desc = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')).manifests?.[0];
  for (let depth = 0; desc && depth < 4; depth++) {
    const doc = JSON.parse(await readFile(blob(desc.digest), 'utf8'));
    if (doc.manifests) {
      desc = doc.manifests.find((m) => !m.platform || m.platform.architecture === 'amd64') ?? doc.manifests[0];
      continue;
    }
    const layer = doc.layers?.[0];
    if (!layer) break;
    return { path: blob(layer.digest), digest: layer.digest, mediaType: layer.mediaType };
  }
  throw new Error(`no layer found in the OCI layout ${layout}`);
}

async function waitForEmbedded(ms) {
  const deadline = Date.now() + ms;
  while (!existsSync(join(EMBEDDED, 'index.json'))) {
    if (Date.now() > deadline) return false;
    await sleep(2000);
  }
  return true;
}

// ---------------------------------------------------------------- docker

/** Debian's dockerd, private to this run (tools/lib/private-dockerd.mjs), with the hello layer imported. */
async function setupDocker(tmp, layerPath) {
  const d = await startPrivateDockerd({ dir: join(tmp, 'docker') });
  onCleanup('dockerd', () => d.stop());
  const { client, host: H, env } = d;
  const version = (await runChecked(client, [...H, 'version', '--format', '{{.Server.Version}}'], { env })).stdout.trim();
  const storage = (await runChecked(client, [...H, 'info', '--format', '{{.Driver}}'], { env })).stdout.trim();
  await runChecked(client, [...H, 'import', '--change', 'ENTRYPOINT ["/hello"]', layerPath, 'ce-hello:latest'], { env });
  console.log(`docker ${version} (client ${client}, storage ${storage}, containers run with --network none, as ce's)`);
  return { key: 'docker', version, label: `docker run --rm (${version})`, expect: GREETING, make: () => [client, [...H, 'run', '--rm', '--network', 'none', 'ce-hello'], { env }] };
}

function safeReaddir(d) {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- runc

async function setupRunc(tmp, layerPath) {
  let runc = which('runc');
  if (!runc) {
    aptInstall(['runc']);
    runc = which('runc');
    if (!runc) throw new Error('runc still missing after apt-get install runc');
  }
  const bundle = join(tmp, 'runc-bundle');
  const rootfs = join(bundle, 'rootfs');
  const state = join(tmp, 'runc-state');
  await mkdir(rootfs, { recursive: true });
  await mkdir(state, { recursive: true });
  await runChecked('tar', ['-xzf', layerPath, '-C', rootfs]);
  await runChecked(runc, ['spec', '--bundle', bundle]);
  const specPath = join(bundle, 'config.json');
  const spec = JSON.parse(await readFile(specPath, 'utf8'));
  spec.process.args = ['/hello'];
  spec.process.terminal = false;
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
  await writeFile(specPath, JSON.stringify(spec, null, 2));
  const ver = (await runChecked(runc, ['--version'])).stdout.split('\n')[0].replace(/^runc version\s*/, '');
  onCleanup('runc', async () => {
    // `runc run` deletes its container at exit; anything left (a failed run) is deleted here.
    for (const id of safeReaddir(state)) spawnSync(runc, ['--root', state, 'delete', '--force', id], { stdio: 'ignore' });
  });
  return { key: 'runc', version: ver, label: `runc run (${ver})`, expect: GREETING, make: (i) => [runc, ['--root', state, 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]] };
}

// ---------------------------------------------------------------- ce

function parseCedLog(path, fromOffset) {
  let text = '';
  try {
    text = readFileSync(path).subarray(fromOffset).toString('utf8');
  } catch {
    return null;
  }
  const byId = new Map();
  const get = (id) => {
    if (!byId.has(id)) byId.set(id, {});
    return byId.get(id);
  };
  const problems = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.level >= 50 || (e.level >= 40 && !/^embedded/.test(e.msg ?? ''))) problems.push(`${e.level >= 50 ? 'error' : 'warn'}: ${e.msg}${e.err ? ` (${typeof e.err === 'string' ? e.err : e.err.message})` : ''}`);
    if (!e.id) continue;
    const rec = get(e.id);
    if (e.msg === 'container created') rec.created = e.time;
    else if (e.msg === 'shim spawned') rec.shimMs = e.ms;
    else if (e.msg === 'container started') {
      rec.started = e.time;
      rec.timings = e.timings;
    } else if (e.msg === 'container exited') rec.exited = e.time;
    else if (e.msg === 'container removed') rec.removed = e.time;
  }
  const started = [...byId.values()].filter((r) => r.timings);
  const col = (f) => started.map(f).filter((v) => typeof v === 'number' && Number.isFinite(v));
  return {
    containers: started.length,
    rootfs: stats(col((r) => r.timings.rootfsMs ?? r.timings.bundleMs + r.timings.specMs)),
    shimSpawn: stats(col((r) => r.shimMs)),
    createTask: stats(col((r) => r.timings.createTaskMs ?? r.timings.taskMs)),
    createInShim: stats(col((r) => (typeof r.shimMs === 'number' ? (r.timings.createTaskMs ?? r.timings.taskMs) - r.shimMs : NaN))),
    startTask: stats(col((r) => r.timings.startTaskMs)),
    runTeardown: stats(col((r) => (r.removed && r.started ? r.removed - r.started : NaN))),
    running: stats(col((r) => (r.exited && r.started ? r.exited - r.started : NaN))),
    teardown: stats(col((r) => (r.removed && r.exited ? r.removed - r.exited : NaN))),
    createdToRemoved: stats(col((r) => (r.removed && r.created ? r.removed - r.created : NaN))),
    createdToStarted: stats(col((r) => (r.created && r.started ? r.started - r.created : NaN))),
    problems,
  };
}

async function setupCe(tmp, baselineCe, { cedJs = CED_JS, keyPrefix = 'ce', label = 'ce', shownCe = CE_JS } = {}) {
  for (const f of [CE_JS, cedJs, ...(baselineCe ? [baselineCe] : [])]) if (!existsSync(f)) throw new Error(`${f} is missing: build first (npm run build)`);
  const root = join(tmp, 'root');
  const state = join(tmp, 'state');
  await mkdir(root, { recursive: true });
  await mkdir(state, { recursive: true });
  const sock = join(state, 'ce.sock');
  const cedOut = join(tmp, 'ced.out');
  const cedLog = join(root, 'ced.log');
  const env = { ...process.env };
  for (const k of ['CE_HOST', 'CE_ROOT', 'CE_STATE']) delete env[k];
  // No default bridge and no firewall, as the private dockerd's containers run with --network none:
  // nothing shared with a ced of the host (its ce0, its chains).
  const ced = startDaemon(process.execPath, [cedJs, '--root', root, '--state', state, '--log-level', 'debug', '--bridge', 'none', '--iptables=false'], cedOut, env);
  onCleanup(`${label}'s ced`, async () => {
    const how = await stopProcess(ced.pid, ced.exited, 20_000);
    if (how.startsWith('killed')) console.error(`ced: ${how}`);
    // Shims outlive ced by design; after --rm runs none should be left. Report and end any that are.
    await sleep(200);
    const left = [...processesMentioning(root + '/'), ...processesMentioning(state + '/')].filter((p, i, a) => a.findIndex((q) => q.pid === p.pid) === i);
    if (left.length) {
      console.error(`LEAK: ${left.length} process(es) still running after ced stopped:\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`);
      for (const p of left) await stopProcess(p.pid, null, 5_000).catch(() => {});
    }
    const mounts = [...mountsUnder(root), ...mountsUnder(state)];
    if (mounts.length) console.error(`LEAK: ${mounts.length} mount(s) left under ${root} or ${state} after ced stopped:\n${mounts.map((m) => `  ${m}`).join('\n')}`);
  });
  const ce = (args, js = CE_JS) => [process.execPath, [js, '-H', sock, ...args], { env }];
  console.log(`${label}: ce ${shownCe}, ced ${cedJs}${baselineCe ? `, baseline ce: ${baselineCe}` : ''}`);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ced.exitCode !== null || ced.signalCode !== null) throw new Error(`ced exited at start-up (${ced.exitCode ?? ced.signalCode}):\n${tailFile(cedOut)}\n${tailFile(cedLog)}`);
    if (existsSync(sock)) {
      const r = await run(...ce(['version']).slice(0, 2), { env });
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`ce version failed against ced:\n${tail(r.stderr)}\n${tailFile(cedLog)}`);
    } else if (Date.now() > deadline) throw new Error(`ced did not create ${sock} within 60 s:\n${tailFile(cedOut)}\n${tailFile(cedLog)}`);
    await sleep(200);
  }

  let offset = 0;
  return {
    run: { key: keyPrefix, label: `${label} run --rm hello-world`, expect: GREETING, make: () => ce(['run', '--rm', '--network', 'none', 'hello-world']) },
    version: { key: `${keyPrefix}Version`, label: `${label} version (CLI + gRPC)`, make: () => ce(['version']) },
    baseline: baselineCe && [
      { key: 'ceBaseline', label: 'baseline ce run --rm hello-world', expect: GREETING, make: () => ce(['run', '--rm', '--network', 'none', 'hello-world'], baselineCe) },
      { key: 'ceBaselineVersion', label: 'baseline ce version', make: () => ce(['version'], baselineCe) },
    ],
    cedLog,
    /** After the warm-up: the timed runs' lines start here. */
    markLog() {
      offset = existsSync(cedLog) ? statSync(cedLog).size : 0;
    },
    async finish() {
      await sleep(300); // let the last removal be logged
      const phases = parseCedLog(cedLog, offset);
      const ps = await run(...ce(['ps', '-a', '-q']).slice(0, 2), { env });
      const leftovers = ps.code === 0 ? ps.stdout.trim().split('\n').filter(Boolean) : [];
      return { phases, leftovers };
    },
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('run as root (ced, dockerd and runc need it)');
  const tmp = await mkdtemp(join(tmpdir(), 'ce-bench-'));
  onCleanup('temporary folder', async () => {
    const procs = processesMentioning(tmp);
    if (procs.length) {
      console.error(`still running after the daemons stopped, ending them:\n${procs.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`);
      for (const p of procs) await stopProcess(p.pid, null, 5_000).catch(() => {});
    }
    const left = unmountUnder(tmp);
    if (left.length) console.error(`unmounted ${left.length} leftover mount(s) under ${tmp}`);
    const still = mountsUnder(tmp);
    if (still.length) {
      console.error(`NOT removing ${tmp}: still mounted:\n${still.join('\n')}`);
      return;
    }
    if (opts.keep) console.log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true, maxRetries: 3 });
  });

  console.log(`run latency — ${new Date().toISOString()} — ${cpus().length} cpus (${cpus()[0]?.model?.trim()}), kernel ${release()}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`runs: ${opts.runs} timed after ${opts.warmup} warm-up; temporary folder ${tmp}\n`);

  let layerPath = opts.layer;
  if (!layerPath) {
    if (!existsSync(join(EMBEDDED, 'index.json'))) {
      console.log(`waiting for ${EMBEDDED}/index.json (is the api package being built?)…`);
      if (!(await waitForEmbedded(120_000))) throw new Error(`${EMBEDDED}/index.json does not exist: build the api package (npm run build)`);
    }
    const layer = await embeddedLayer(EMBEDDED);
    layerPath = layer.path;
    console.log(`rootfs: layer ${layer.digest.slice(0, 19)}… of the embedded hello-world layout`);
  } else console.log(`rootfs: ${layerPath} (--layer)`);

  const node = { key: 'node', label: 'node -e ""', make: () => [process.execPath, ['-e', '']] };
  const subjects = [node];
  const results = {};
  if (opts.runc) {
    try {
      const runc = await setupRunc(tmp, layerPath);
      subjects.push(runc);
      results.runcVersion = runc.version;
    } catch (err) {
      console.log(`runc: skipped: ${err.message}`);
    }
  }
  if (opts.docker && !cleaning) {
    try {
      const docker = await setupDocker(tmp, layerPath);
      await warmUp(docker, 1); // the first run after import is not representative; fail here, not in the rounds
      subjects.push(docker);
      results.dockerVersion = docker.version;
    } catch (err) {
      if (cleaning) throw err;
      results.dockerError = err.message;
      console.log(`docker: skipped: ${err.message}`);
      const i = cleanups.findIndex((c) => c.name === 'dockerd');
      if (i >= 0) await cleanups.splice(i, 1)[0].fn().catch((e) => console.error(`stopping dockerd: ${e.message}`));
    }
  }
  let ce = null;
  if (opts.ce && !cleaning) {
    ce = await setupCe(tmp, opts.baselineCed ? null : opts.baselineCe);
    subjects.push(ce.run, ce.version, ...(ce.baseline || []));
    if (opts.baselineCed && !cleaning) {
      // The baseline's own ced, beside the first: its ce lines are the baseline's, and so is its breakdown.
      const dir = join(tmp, 'b'); // short: the shims' sockets live under it (108 bytes at most)
      await mkdir(dir);
      const base = await setupCe(dir, null, { cedJs: opts.baselineCed, keyPrefix: 'ceBaseline', label: 'baseline ce', shownCe: opts.baselineCe });
      const make = (js) => (subject) => ({ ...subject, make: () => { const [cmd, args, o] = subject.make(); return [cmd, [js, ...args.slice(1)], o]; } });
      ce.baseline = [make(opts.baselineCe)(base.run), make(opts.baselineCe)(base.version)];
      ce.baselineCed = base;
      subjects.push(...ce.baseline);
    }
  }
  if (cleaning) return;
  console.log(`warm-up: ${opts.warmup} run(s) of each; then ${opts.runs} rounds of ${subjects.map((s) => s.key).join(', ')} (order rotating)\n`);
  for (const s of subjects) await warmUp(s, opts.warmup);
  ce?.markLog();
  ce?.baselineCed?.markLog();
  await timeRounds(subjects, opts.runs);
  const by = Object.fromEntries(subjects.map((s) => [s.key, s.st]));
  results.node = by.node;
  results.runc = by.runc && { st: by.runc, version: results.runcVersion };
  results.docker = by.docker && { st: by.docker, version: results.dockerVersion };
  if (ce) results.ce = { run: by.ce, version: by.ceVersion, cedLog: ce.cedLog, ...(await ce.finish()) };
  if (ce?.baseline) results.baseline = { run: by.ceBaseline, version: by.ceBaselineVersion, ...(ce.baselineCed ? await ce.baselineCed.finish() : {}) };

  if (!cleaning) summary(results);
}

function summary(r) {
  const lines = ['', '── run latency ' + '─'.repeat(60)];
  if (r.ce) lines.push(statLine('ce run --rm hello-world', r.ce.run));
  if (r.docker) lines.push(statLine(`docker run --rm (${r.docker.version})`, r.docker.st) + '  [--network none]');
  else if (r.dockerError) lines.push(`${'docker run --rm'.padEnd(34)} not measured: ${r.dockerError.split('\n')[0]}`);
  if (r.runc) lines.push(statLine(`runc run (${r.runc.version})`, r.runc.st));
  lines.push(statLine('node -e ""', r.node));
  if (r.ce) lines.push(statLine('ce version', r.ce.version));
  if (r.baseline) {
    lines.push(statLine('baseline ce run --rm hello-world', r.baseline.run));
    lines.push(statLine('baseline ce version', r.baseline.version));
    lines.push(`${'ratio ce/baseline (run, version)'.padEnd(34)} ${(r.ce.run.median / r.baseline.run.median).toFixed(2)}, ${(r.ce.version.median / r.baseline.version.median).toFixed(2)}`);
    if (r.docker) lines.push(`${'ratio baseline ce/docker'.padEnd(34)} ${(r.baseline.run.median / r.docker.st.median).toFixed(2)}`);
    if (r.baseline.phases) lines.push(...phaseLines(r.baseline.phases, r.baseline.run, 'baseline ced'));
    if (r.baseline.leftovers?.length) lines.push(`  LEAK: baseline ce ps -a lists ${r.baseline.leftovers.length} container(s) after the --rm runs`);
  }
  if (r.ce && r.docker) {
    const ratio = r.ce.run.median / r.docker.st.median;
    lines.push(`${'ratio ce/docker (medians)'.padEnd(34)} ${ratio.toFixed(2)}  (goal ≤ ${GOAL}${ratio <= GOAL ? ': met' : `: not met, ce needs ≤ ${fmt(GOAL * r.docker.st.median)}`})`);
  }
  if (r.ce) {
    const m = (st) => st?.median;
    lines.push(`breakdown (medians): node start ${fmt(m(r.node))} | ce version ${fmt(m(r.ce.version))} | runc run ${fmt(m(r.runc?.st))}`);
    if (r.ce.phases) lines.push(...phaseLines(r.ce.phases, r.ce.run, 'ced'));
    else lines.push(`  no ced log at ${r.ce.cedLog}`);
    if (r.ce.leftovers.length) lines.push(`  LEAK: ce ps -a lists ${r.ce.leftovers.length} container(s) after the --rm runs`);
  }
  console.log(lines.join('\n'));
}

/** What one ced's log says of its runs, and the CLI's share of `run`'s median. */
function phaseLines(p, run, label) {
  const m = (st) => st?.median;
  const lines = [
    `  ${`${label}, per run:`.padEnd(19)} bundle+spec ${fmt(m(p.rootfs))} | shim spawn ${fmt(m(p.shimSpawn))} | createTask ${fmt(m(p.createTask))}` +
      ` (shim spawn + ${fmt(m(p.createInShim))} create in shim) | startTask ${fmt(m(p.startTask))}` +
      ` | run+teardown ${fmt(m(p.runTeardown))} (exit seen ${fmt(m(p.running))}, exit → removed ${fmt(m(p.teardown))})`,
    '  (ced.log: timings of `container started`, ms of `shim spawned`, time of `container started` → `exited` → `removed`)',
  ];
  const inCed = p.createdToRemoved?.median;
  lines.push(
    `  ${label} holds each run for ${fmt(inCed)} (\`container created\` → \`removed\`; created → started ${fmt(p.createdToStarted?.median)});` +
      ` the other ${fmt(run.median - (inCed ?? 0))} of ${fmt(run.median)} is the CLI: Node start, module loading, connecting, the create RPC, the exit after removal.` +
      ` ${p.containers} containers in the log`,
  );
  if (p.problems.length) lines.push(`  ${label} logged ${p.problems.length} warning(s)/error(s) during the runs, e.g. ${p.problems[0]}`);
  return lines;
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  console.error(`\nrun-latency: ${err?.stack && !err.result ? err.stack : err?.message ?? err}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
