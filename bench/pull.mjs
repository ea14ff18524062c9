#!/usr/bin/env node
// Pull: a cold pull+unpack of a ~200 MB, 5-layer image from a local
// docker-registry with `ce pull` (the CLI through its own ced), against
// `docker pull` (Debian's docker.io 20.10, a private dockerd), in the same run;
// then a warm pull of an image that shares all but its last layer. See bench/README.md.
//
//   node bench/pull.mjs [--runs N] [--layer-mb N] [--no-docker] [--keep]
//
// Everything lives in one temporary folder; the registry, ced and dockerd are
// started here and stopped at the end, also on error and on Ctrl-C.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import net from 'node:net';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startPrivateDockerd } from '../tools/lib/private-dockerd.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CE_JS = join(REPO, 'packages/cli/bin/ce.cjs');
const CED_JS = join(REPO, 'packages/api/bin/ced.mjs');
const IMAGE_STORE = join(REPO, 'packages/image-store/dist/index.js');
const REGISTRY_BIN = '/usr/bin/docker-registry';
const GOAL = 0.7;
const LAYERS = 5;

function parseArgs(argv) {
  const o = { runs: 1, layerMb: 40, docker: true, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--layer-mb') o.layerMb = Number(argv[++i]);
    else if (a === '--no-docker') o.docker = false;
    else if (a === '--keep') o.keep = true;
    else {
      console.error(`usage: node bench/pull.mjs [--runs N] [--layer-mb N] [--no-docker] [--keep]\nunknown option ${a}`);
      process.exit(2);
    }
  }
  if (!(o.runs >= 1) || !(o.layerMb > 0)) {
    console.error('--runs and --layer-mb must be positive numbers');
    process.exit(2);
  }
  return o;
}

const cleanups = [];
let cleaning;
const cleanup = () =>
  (cleaning ??= (async () => {
    while (cleanups.length) {
      const [name, fn] = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup (${name}): ${err?.message ?? err}`);
      }
    }
  })());
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().finally(() => process.exit(130)));

/** Runs a command to its end: { code, stdout, stderr, ms } (wall time from spawn to exit). */
function run(cmd, args, { env } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
  });
}

async function must(what, p) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return r;
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function startRegistry(dir) {
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(
    join(dir, 'config.yml'),
    ['version: 0.1', 'log:', '  level: warn', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: "127.0.0.1:${port}"`, ''].join('\n'),
  );
  const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  cleanups.push(['registry', async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }]);
  for (const deadline = Date.now() + 15_000; ; ) {
    const up = await new Promise((r) => request(`http://127.0.0.1:${port}/v2/`, (res) => (res.resume(), r(true))).on('error', () => r(false)).end());
    if (up) return `127.0.0.1:${port}`;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`docker-registry did not start: ${log}`);
    await sleep(50);
  }
}

/**
 * Layer `i` of size ~`mb` MB: half random bytes (incompressible), half text
 * (compressible ~10×), as real layers mix binaries and text.
 */
function layerEntries(i, mb, variant = '') {
  const half = Math.floor((mb * 1e6) / 2);
  const seed = createHash('sha256').update(`layer-${i}${variant}`).digest();
  const random = randomBytes(half);
  seed.copy(random);
  const lines = [];
  let size = 0;
  for (let n = 0; size < half; n++) {
    const line = `layer ${i}${variant} line ${n} the quick brown fox jumps over the lazy dog ${n % 97}\n`;
    lines.push(line);
    size += line.length;
  }
  const mtime = new Date('2024-01-01T00:00:00Z');
  return [
    { name: `layer${i}`, type: 'directory', mtime },
    { name: `layer${i}/random.bin`, data: random, mtime },
    { name: `layer${i}/text.txt`, data: lines.join(''), mtime },
  ];
}

/** Builds the two images in a source store and pushes them: v1 (5 layers) and v2 (v1's first 4 + another). */
async function pushImages(tmp, host, mb) {
  const { ImageStore, buildLayer, sha256, MediaType } = await import(IMAGE_STORE);
  const src = await ImageStore.open({ root: join(tmp, 'source-store'), syncLayers: false });
  const layers = [];
  for (let i = 0; i < LAYERS; i++) layers.push(await buildLayer(layerEntries(i, mb), { compression: 'gzip' }));
  const other = await buildLayer(layerEntries(LAYERS - 1, mb, '-v2'), { compression: 'gzip' });
  const record = async (tag, ls) => {
    for (const l of ls) await src.content.ingest(l.blob, { digest: l.descriptor.digest, size: l.descriptor.size });
    const created = '2024-01-01T00:00:00Z';
    const config = Buffer.from(JSON.stringify({
      created, architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: ls.map((l) => l.diffId) }, history: ls.map(() => ({ created, created_by: 'bench/pull.mjs' })),
    }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, digest: sha256(config), size: config.length },
      layers: ls.map((l) => ({ ...l.descriptor, mediaType: MediaType.DockerLayerGzip })),
    }));
    await src.content.ingest(config, { digest: sha256(config), size: config.length });
    await src.content.ingest(manifest, { digest: sha256(manifest), size: manifest.length });
    const name = `${host}/bench/big:${tag}`;
    await src.metadata.put({ name, target: { mediaType: MediaType.DockerManifest, digest: sha256(manifest), size: manifest.length }, labels: {} });
    await src.push(name);
    return name;
  };
  const v1 = await record('v1', layers);
  const v2 = await record('v2', [...layers.slice(0, -1), other]);
  const total = layers.reduce((n, l) => n + l.descriptor.size, 0);
  const unpacked = layers.reduce((n, l) => n + l.tar.length, 0);
  await rm(join(tmp, 'source-store'), { recursive: true, force: true });
  return { v1, v2, total, unpacked };
}

async function startCed(dir) {
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  await mkdir(state, { recursive: true });
  const sock = join(state, 'ce.sock');
  const env = { ...process.env };
  for (const k of ['CE_HOST', 'CE_ROOT', 'CE_STATE', 'DOCKER_CONFIG']) delete env[k];
  env.DOCKER_CONFIG = join(dir, 'docker-config');
  const child = spawn(process.execPath, [CED_JS, '--root', root, '--state', state], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  cleanups.push(['ced', stop]);
  const ce = (args) => run(process.execPath, [CE_JS, '-H', sock, ...args], { env });
  for (const deadline = Date.now() + 60_000; ; ) {
    if (log.includes('listening on') && (await ce(['version'])).code === 0) return { ce, stop };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ced did not start: ${log}`);
    await sleep(100);
  }
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid() !== 0) throw new Error('run as root (ced unpacks layers with their owners and device nodes)');
  for (const f of [CE_JS, CED_JS, IMAGE_STORE, REGISTRY_BIN]) if (!existsSync(f)) throw new Error(`${f} is missing (npm run build; apt-get install docker-registry)`);
  const tmp = await mkdtemp(join(tmpdir(), 'ce-bench-pull-'));
  cleanups.push(['tmp', () => (o.keep ? console.log(`kept ${tmp}`) : rm(tmp, { recursive: true, force: true }))]);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, Linux ${release()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const host = await startRegistry(join(tmp, 'registry'));
  const t0 = Date.now();
  const { v1, v2, total, unpacked } = await pushImages(tmp, host, o.layerMb);
  console.log(`image: ${LAYERS} layers, ${(total / 1e6).toFixed(0)} MB compressed, ${(unpacked / 1e6).toFixed(0)} MB unpacked; built and pushed to ${host} in ${fmt(Date.now() - t0)}`);

  let docker;
  if (o.docker) {
    docker = await startPrivateDockerd({ dir: join(tmp, 'docker') });
    cleanups.push(['dockerd', () => docker.stop()]);
    console.log(`docker: ${(await must('docker version', docker.docker(['version', '--format', '{{.Server.Version}}']))).stdout.trim()} (private dockerd)`);
  }

  // The private dockerd's client helper does not time; time it the same way as run() does.
  const timedDocker = async (what, args) => {
    const t = process.hrtime.bigint();
    const r = await must(what, docker.docker(args, { timeoutMs: 600_000 }));
    return { ...r, ms: Number(process.hrtime.bigint() - t) / 1e6 };
  };
  // Each pull starts with nothing of another's left to write back: ced flushes the layers it
  // unpacks (syncfs), which would otherwise also write out what the other engine left dirty.
  const settle = () => new Promise((resolve, reject) => spawn('sync', { stdio: 'ignore' }).on('exit', resolve).on('error', reject));
  const results = { ceCold: [], ceWarm: [], dockerCold: [], dockerWarm: [] };
  for (let round = 0; round < o.runs; round++) {
    const ceFirst = round % 2 === 0;
    const doCe = async () => {
      // A fresh ced (its own root): cold means no layer of the image is there.
      const dir = join(tmp, `ced-${round}`);
      const ced = await startCed(dir);
      await settle();
      const cold = await must('ce pull v1', ced.ce(['pull', v1]));
      if (!cold.stdout.includes(`Status: Downloaded newer image for ${v1}`)) throw new Error(`unexpected ce pull output:\n${cold.stdout}`);
      await settle();
      const warm = await must('ce pull v2', ced.ce(['pull', v2]));
      if ((warm.stdout.match(/: Already exists/g) ?? []).length !== LAYERS - 1) throw new Error(`the warm pull did not reuse ${LAYERS - 1} layers:\n${warm.stdout}`);
      results.ceCold.push(cold.ms);
      results.ceWarm.push(warm.ms);
      await ced.stop();
      cleanups.pop();
      await rm(dir, { recursive: true, force: true });
    };
    const doDocker = async () => {
      if (!docker) return;
      await settle();
      const cold = await timedDocker('docker pull v1', ['pull', v1]);
      await settle();
      const warm = await timedDocker('docker pull v2', ['pull', v2]);
      if ((warm.stdout.match(/: Already exists/g) ?? []).length !== LAYERS - 1) throw new Error(`docker's warm pull did not reuse ${LAYERS - 1} layers:\n${warm.stdout}`);
      results.dockerCold.push(cold.ms);
      results.dockerWarm.push(warm.ms);
      await must('docker rmi', docker.docker(['rmi', v1, v2]));
    };
    // Alternate who goes first, so the registry's page cache favours neither.
    for (const fn of ceFirst ? [doCe, doDocker] : [doDocker, doCe]) await fn();
  }

  const rows = [
    ['cold pull (5 layers)', median(results.ceCold), docker ? median(results.dockerCold) : undefined],
    ['warm pull (1 new layer)', median(results.ceWarm), docker ? median(results.dockerWarm) : undefined],
  ];
  console.log(`\nmedian of ${o.runs} run(s): pull + unpack, wall time of the client command`);
  console.log('| pull | ce pull | docker pull | ce/docker |');
  console.log('|---|---|---|---|');
  for (const [what, c, d] of rows) console.log(`| ${what} | ${fmt(c)} | ${d === undefined ? '-' : fmt(d)} | ${d === undefined ? '-' : (c / d).toFixed(2)} |`);
  if (docker) {
    console.log('');
    for (const [what, c, d] of rows) console.log(`${what.split(' (')[0]} ratio ce/docker ${(c / d).toFixed(2)} (goal ≤ ${GOAL}): ${c / d <= GOAL ? 'met' : 'NOT met'}`);
  }
  console.log(`raw ms: ${JSON.stringify(results)}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench/pull: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
