#!/usr/bin/env node
// ced's own share of the Docker API bench's commands, without the docker CLI's
// start: one Node client times the requests `docker ps`, `ps -a`, `inspect`
// and `logs` make (a new connection each, as each CLI process opens one) on
// ced's docker.sock, a followed log's first bytes (`logs -f`'s start), and the
// gRPC calls behind them on ce.sock. 50 idle containers made by the docker
// CLI, as bench/docker-api.mjs makes them. Then
// `docker run --rm`'s requests (ping, create, attach, wait, start, the wait's
// answer at the removal), timed one by one, --run-rounds rounds. With
// --cpu-prof, ced runs under `node --cpu-prof` and the profile's folder is kept.
// See bench/README.md. Run as root after `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CE_JS, CED_JS, REPO, IDLE, inBatches, machineLine, median, onCleanup, parseOptions, run, runBench, runChecked, settle, until } from './lib/engines.mjs';
import { dockerBinaries, startPrivateDockerd } from '../tools/lib/private-dockerd.mjs';

const o = parseOptions('docker-api-server.mjs', {
  requests: { value: 200, help: 'timed requests of each kind' },
  containers: { value: 50, help: 'idle containers while the list is timed' },
  'cpu-prof': { value: false, help: 'run ced under node --cpu-prof (the profile folder is printed and kept)' },
  dockerd: { value: false, help: 'also time the same HTTP requests on a private dockerd' },
  'run-rounds': { value: 20, help: "rounds of docker run --rm's request sequence" },
});

function get(socketPath, path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ socketPath, method: 'GET', path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A followed log's start: the time to the first bytes of its body (the lines it holds), then the request is dropped. */
function firstBytes(socketPath, path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ socketPath, method: 'GET', path, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
      res.once('data', (d) => {
        resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: d.length });
        req.destroy();
      });
    });
    req.on('error', (err) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

/**
 * One request as the docker CLI makes it (its own connection): resolves at the reply's headers with
 * the body still to come (`body`), or with the socket after a 101 (`socket`).
 */
function call(socketPath, method, path, json, { upgrade = false } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { 'User-Agent': 'Docker-Client/20.10.24+dfsg1 (linux)', ...(json ? { 'Content-Type': 'application/json' } : {}), ...(upgrade ? { Connection: 'Upgrade', Upgrade: 'tcp' } : {}) };
    const req = request({ socketPath, method, path, headers, agent: false });
    req.on('upgrade', (_res, socket) => resolve({ socket }));
    req.on('response', (res) => {
      const body = new Promise((done, fail) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => (res.statusCode >= 300 ? fail(new Error(`${method} ${path}: ${res.statusCode} ${text}`)) : done(text)));
      });
      body.catch(() => {});
      resolve({ status: res.statusCode, body });
    });
    req.on('error', reject);
    req.end(json ? JSON.stringify(json) : undefined);
  });
}

/** `docker run --rm --network none bb:latest true`'s requests in the CLI's order, each one's time (ms) from the previous one's answer. */
async function runRmSequence(socketPath) {
  const laps = {};
  let t = performance.now();
  const t0 = t;
  const lap = (name) => {
    const now = performance.now();
    laps[name] = now - t;
    t = now;
  };
  await (await call(socketPath, 'HEAD', '/_ping')).body;
  lap('HEAD /_ping');
  const createBody = { Image: 'bb:latest', Cmd: ['true'], AttachStdout: true, AttachStderr: true, HostConfig: { AutoRemove: true, NetworkMode: 'none' }, NetworkingConfig: { EndpointsConfig: {} } };
  const id = JSON.parse(await (await call(socketPath, 'POST', '/v1.41/containers/create', createBody)).body).Id;
  lap('POST create');
  const { socket } = await call(socketPath, 'POST', `/v1.41/containers/${id}/attach?stderr=1&stdout=1&stream=1`, undefined, { upgrade: true });
  lap('POST attach (101)');
  const ended = new Promise((resolve) => {
    socket.resume();
    socket.once('close', resolve);
  });
  const wait = await call(socketPath, 'POST', `/v1.41/containers/${id}/wait?condition=removed`);
  lap('POST wait (headers)');
  await (await call(socketPath, 'POST', `/v1.41/containers/${id}/start`)).body;
  lap('POST start (204)');
  await ended;
  lap('→ attach stream ends');
  await wait.body;
  lap('→ wait answers (removed)');
  laps.total = performance.now() - t0;
  return laps;
}

await runBench(async () => {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const tmp = mkdtempSync(join(tmpdir(), 'cbs-'));
  const keep = o['cpu-prof'];
  onCleanup('temporary folder', () => (keep ? console.log(`kept ${tmp}`) : spawnSync('rm', ['-rf', tmp])));

  const root = join(tmp, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n')) if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  spawnSync('tar', ['-C', root, '-cf', join(tmp, 'rootfs.tar'), '.']);

  const sock = join(tmp, 's', 'ce.sock');
  const dockerSock = join(tmp, 's', 'docker.sock');
  const logFd = openSync(join(tmp, 'ced.out'), 'a');
  const prof = keep ? ['--cpu-prof', `--cpu-prof-dir=${join(tmp, 'prof')}`] : [];
  const ced = spawn(process.execPath, [...prof, CED_JS, '--root', join(tmp, 'r'), '--state', join(tmp, 's'), '--bridge', 'none', '--iptables=false'], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const cedExit = new Promise((r) => ced.once('exit', r));
  onCleanup('ced', async () => {
    if (ced.exitCode !== null) return;
    ced.kill('SIGTERM');
    if (!(await Promise.race([cedExit.then(() => true), sleep(20_000).then(() => false)]))) ced.kill('SIGKILL');
  });
  const ce = (args) => run(process.execPath, [CE_JS, '-H', sock, ...args]);
  onCleanup('containers', async () => {
    const ids = (await ce(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 20) await ce(['rm', '-f', ...ids.slice(i, i + 20)]);
  });
  await until('ced to answer', async () => {
    if (ced.exitCode !== null) throw new Error(`ced exited ${ced.exitCode}: ${readFileSync(join(tmp, 'ced.out'), 'utf8').slice(-2000)}`);
    return existsSync(dockerSock) && (await ce(['version'])).code === 0;
  });
  await runChecked(process.execPath, [CE_JS, '-H', sock, 'import', '--change', 'CMD ["sh"]', join(tmp, 'rootfs.tar'), 'bb:latest']);

  const client = dockerBinaries().client;
  const env = { ...process.env, DOCKER_CONFIG: join(tmp, 'client-config') };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  const docker = (args) => runChecked(client, ['-H', `unix://${dockerSock}`, ...args], { env });
  const populate = async (docker) => {
    await docker(['run', '-d', '--network', 'none', '--name', 'bench', '-l', 'bench=1', 'bb:latest', 'sh', '-c', 'echo ready; exec sleep 86400']);
    await inBatches(Array.from({ length: o.containers - 1 }, (_, i) => () => docker(['run', '-d', '--network', 'none', '--name', `idle${i}`, 'bb:latest', ...IDLE])), 8);
    await until('the log line', async () => (await docker(['logs', 'bench'])).stdout.includes('ready'));
  };
  await populate(docker);
  const sockets = { ced: dockerSock };
  const pids = { ced: ced.pid };
  if (o.dockerd) {
    const d = await startPrivateDockerd({ dir: join(tmp, 'docker') });
    onCleanup('dockerd', () => d.stop());
    const dockerdCli = (args) => runChecked(d.client, [...d.host, ...args], { env: d.env });
    onCleanup('dockerd containers', async () => {
      const ids = (await run(d.client, [...d.host, 'ps', '-aq'], { env: d.env })).stdout.trim().split('\n').filter(Boolean);
      for (let i = 0; i < ids.length; i += 20) await run(d.client, [...d.host, 'rm', '-f', ...ids.slice(i, i + 20)], { env: d.env });
    });
    await dockerdCli(['import', '--change', 'CMD ["sh"]', join(tmp, 'rootfs.tar'), 'bb:latest']);
    await populate(dockerdCli);
    sockets.dockerd = d.sock;
    pids.dockerd = Number(readFileSync(join(tmp, 'docker', 'docker.pid'), 'utf8'));
  }

  // The protocol of the build under test (REPO: where bench/lib is), so that a copy of this script can time another build.
  const { dialUnix, unary, readStream } = await import(join(REPO, 'packages/protocol/dist/index.js'));
  const { ContainersClient } = await import(join(REPO, 'packages/protocol/dist/gen/ce/api/v1/containers.js'));
  const containers = dialUnix(ContainersClient, sock);
  onCleanup('gRPC client', () => containers.close());
  const timed = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  };
  const http = {
    'GET /_ping': '/_ping',
    'GET /containers/json': '/v1.41/containers/json',
    'GET /containers/json?all=1': '/v1.41/containers/json?all=1',
    'GET /containers/bench/json': '/v1.41/containers/bench/json',
    'GET /containers/bench/logs': '/v1.41/containers/bench/logs?stderr=1&stdout=1&tail=all',
  };
  const followed = '/v1.41/containers/bench/logs?stderr=1&stdout=1&tail=all&follow=1';
  const kinds = {
    ...Object.fromEntries(
      Object.entries(sockets).flatMap(([engine, socket]) => [
        ...Object.entries(http).map(([name, path]) => [`${engine}: ${name}`, () => get(socket, path)]),
        [`${engine}: GET /containers/bench/logs?follow=1 (first bytes)`, () => firstBytes(socket, followed)],
      ]),
    ),
    'ced: gRPC List': () => timed(() => unary((cb) => containers.list({ all: false }, cb))),
    'ced: gRPC Inspect': () => timed(() => unary((cb) => containers.inspect({ id: 'bench' }, cb))),
    'ced: gRPC Logs': () => timed(async () => {
      for await (const _ of readStream(containers.logs({ id: 'bench', tail: -1, follow: false, timestamps: false, since: '', until: '', details: false }))) void _;
    }),
  };
  console.log(`docker-api-server: ${o.requests} requests of each kind, interleaved; ${o.containers} containers; ${machineLine()}`);
  const names = Object.keys(kinds);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < 20; i++) for (const n of names) await kinds[n]();
  for (let i = 0; i < o.requests; i++) for (let k = 0; k < names.length; k++) {
    const n = names[(i + k) % names.length];
    times[n].push((await kinds[n]()).ms);
  }
  // The server's CPU per request: a block of each kind alone, the process's utime+stime before and after.
  const cpuMs = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  };
  const cpu = {};
  for (const n of names) {
    const engine = n.startsWith('dockerd') ? 'dockerd' : 'ced';
    const before = cpuMs(pids[engine]);
    for (let i = 0; i < o.requests; i++) await kinds[n]();
    cpu[n] = (cpuMs(pids[engine]) - before) / o.requests;
  }
  console.log('\n| request | median | p90 | min | server CPU per request |\n|---|---|---|---|---|');
  for (const n of names) {
    const s = times[n].sort((a, b) => a - b);
    console.log(`| ${n} | ${median(s).toFixed(2)} ms | ${s[Math.ceil(0.9 * s.length) - 1].toFixed(2)} ms | ${s[0].toFixed(2)} ms | ${cpu[n].toFixed(2)} ms |`);
  }

  // docker run --rm's requests, each engine in turn, each round once both are idle again (after a run, ced starts a spare shim).
  const rounds = Object.fromEntries(Object.keys(sockets).map((engine) => [engine, []]));
  for (let i = 0; i < o['run-rounds'] + 2; i++) {
    for (const engine of i % 2 ? Object.keys(sockets) : Object.keys(sockets).reverse()) {
      await settle(tmp);
      const laps = await runRmSequence(sockets[engine]);
      if (i >= 2) rounds[engine].push(laps);
    }
  }
  const engines = Object.keys(sockets);
  console.log(`\ndocker run --rm's requests, ${o['run-rounds']} rounds (medians; each from the previous one's answer)\n\n| request | ${engines.join(' | ')} |\n|---|${engines.map(() => '---|').join('')}`);
  for (const step of Object.keys(rounds.ced[0])) console.log(`| ${step} | ${engines.map((e) => `${median(rounds[e].map((r) => r[step])).toFixed(2)} ms`).join(' | ')} |`);
  console.log(`(after: ${machineLine()})`);
});
