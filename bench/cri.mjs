#!/usr/bin/env node
// Issue 14's benchmark: the CRI through its socket, ced's against containerd
// 1.6's CRI plugin, the same RPCs from one generated client, interleaved in
// one run: RunPodSandbox, StopPodSandbox + RemovePodSandbox, PodSandboxStatus,
// ListPodSandbox with --pods pods, ImageStatus, ListImages, and the container
// RPCs once ced serves them (until then skipped, the reason printed); then the
// issue's figure: --parallel pods started at once (RunPodSandbox, then
// CreateContainer + StartContainer of a busybox sleep), each pod timed, p50 and
// p99 per engine over --rounds rounds. Each
// engine runs privately under one temporary folder, with its own CNI list,
// bridge and subnet (Debian's plugins) and the same local images: busybox and
// ce's pause, so nothing goes to the network. See bench/README.md. Run as root
// after `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials, status as grpcStatus } from '@grpc/grpc-js';
import { CED_JS, REPO, benchFolder, inBatches, machineLine, median, onCleanup, parseOptions, runBench, runChecked, until } from './lib/engines.mjs';

const o = parseOptions('cri.mjs', {
  runs: { value: 10, help: 'timed runs of each RPC' },
  warmup: { value: 2, help: 'untimed runs of each first' },
  pods: { value: 20, help: 'ready pods in each engine while ListPodSandbox is timed' },
  parallel: { value: 20, help: 'pods started at once in each engine, each with a container' },
  rounds: { value: 3, help: 'rounds of the parallel pod start, the engines alternating' },
  'parallel-only': { value: false, help: 'skip the sequential RPC timings' },
  trace: { value: false, help: "ced at --log-level debug: ce's phases of each parallel round (medians), from ced's log" },
});

const api = await import(join(REPO, 'packages/cri/dist/gen/runtime/v1/api.js'));
const { buildImage, writeImageLayout } = await import(join(REPO, 'packages/image-store/dist/index.js'));
const PAUSE_LAYOUT = join(REPO, 'packages/cri/dist/pause-image');
const PAUSE_IMAGE = 'localhost/ce-pause:1.0';
const BUSYBOX = 'docker.io/library/busybox:latest';
const CNI_BIN = '/usr/lib/cni';
const tag = process.pid % 10000;
const cgroupParent = `/ccb${tag}`;

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
let benchTmp = '';
const nearestRank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const hr = () => process.hrtime.bigint();
const msSince = (t0) => Number(hr() - t0) / 1e6;
const f = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

/** One unary CRI call as a promise. */
const call = (client, method, request) => new Promise((resolve, reject) => client[method](request, (err, res) => (err ? reject(err) : resolve(res))));

/** A busybox image (Debian's busybox-static, its applets linked in /bin) as an OCI layout named BUSYBOX. */
async function busyboxLayout(dir) {
  const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const mtime = new Date('2024-01-01T00:00:00Z');
  const entries = [
    { name: 'bin', type: 'directory', mode: 0o755, mtime },
    { name: 'bin/busybox', data: readFileSync('/bin/busybox'), mode: 0o755, mtime },
    ...applets.filter((a) => a !== 'busybox').map((a) => ({ name: `bin/${a}`, type: 'link', linkname: 'bin/busybox', mode: 0o755, mtime })),
    { name: 'tmp', type: 'directory', mode: 0o1777, mtime },
  ];
  const image = await buildImage([entries], { config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] }, created: mtime });
  // containerd names an imported image by its io.containerd.image.name annotation: the whole reference.
  await writeImageLayout(dir, image, BUSYBOX);
  return dir;
}

/** A CNI list of Debian's bridge, host-local and loopback plugins on a bridge and subnet of its own. */
function cniList(dir, name, bridge, subnet) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '10-bench.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name,
      plugins: [
        { type: 'bridge', bridge, isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, '..', 'ipam') } },
        { type: 'loopback' },
      ],
    }),
  );
}

/** What CNI's masquerading left in the nat table for `network` (its rules' comments name it), removed. */
function removeCniRules(network) {
  const rules = spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(`name: \\"${network}\\"`));
  for (const rule of rules) {
    const chain = / -j (CNI-[0-9a-f]+)/.exec(rule)?.[1];
    console.error(`LEAK: nat rule ${rule}`);
    spawnSync('sh', ['-c', `iptables -w -t nat ${rule.replace(/^-A /, '-D ')}`]);
    if (chain) {
      spawnSync('iptables', ['-w', '-t', 'nat', '-F', chain]);
      spawnSync('iptables', ['-w', '-t', 'nat', '-X', chain]);
    }
  }
}

function removeLink(name) {
  if (existsSync(`/sys/class/net/${name}`)) spawnSync('ip', ['link', 'del', name]);
}

/** The pods' cgroup parent in every hierarchy (cgroup v2, or v1's controllers), with what is left under it (empty folders). */
function removeCgroupParent() {
  const removeTree = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeTree(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const h of ['', ...readdirSync('/sys/fs/cgroup')]) {
    const dir = join('/sys/fs/cgroup', h, cgroupParent);
    if (!existsSync(dir)) continue;
    try {
      if (readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory())) console.error(`LEAK: cgroups under ${dir}: ${readdirSync(dir)}`);
      removeTree(dir);
    } catch (err) {
      console.error(`LEAK: cgroup ${dir}: ${err.message}`);
    }
  }
}

/** Starts a daemon with its output in `log`; stopped (SIGTERM, then SIGKILL) at cleanup. */
function daemon(name, cmd, args, log) {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((r) => child.once('exit', r));
  onCleanup(name, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]))) child.kill('SIGKILL');
  });
  return child;
}

async function dialCri(socket, child, log) {
  await until(`${socket} to answer`, async () => {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited ${child.exitCode}: ${readFileSync(log, 'utf8').slice(-2000)}`);
    return existsSync(socket);
  });
  const runtime = new api.RuntimeServiceClient(`unix:${socket}`, credentials.createInsecure());
  const images = new api.ImageServiceClient(`unix:${socket}`, credentials.createInsecure());
  await until(`${socket}'s Version`, () => call(runtime, 'version', { version: '' }).then(() => true, () => false));
  onCleanup(`${socket} clients`, () => {
    runtime.close();
    images.close();
  });
  return { runtime, images };
}

async function startContainerd(tmp, cniDir) {
  const dir = join(tmp, 'containerd');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      `[${cri}]`,
      `  sandbox_image = "${PAUSE_IMAGE}"`,
      // Where this runs in a container that cannot lower oom_score_adj, runc would fail on the pause's -998.
      '  restrict_oom_score_adj = true',
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      `[${cri}.cni]`,
      `  bin_dir = "${CNI_BIN}"`,
      `  conf_dir = "${cniDir}"`,
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.runc.options]`,
      '  SystemdCgroup = false',
      '',
    ].join('\n'),
  );
  const log = join(dir, 'containerd.log');
  const child = daemon('containerd', 'containerd', ['--config', join(dir, 'config.toml'), '--log-level', 'warn'], log);
  const clients = await dialCri(socket, child, log);
  const version = (await call(clients.runtime, 'version', { version: '' })).runtimeVersion;
  const ctr = (args) => runChecked('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args]);
  return { ...clients, version, ctr, dir };
}

async function startCed(tmp, cniDir) {
  const root = join(tmp, 'r');
  const state = join(tmp, 's');
  const log = join(tmp, 'ced.log');
  const child = daemon('ced', process.execPath, [CED_JS, '--root', root, '--state', state, '--bridge', 'none', '--iptables=false', '--cni-config-dir', cniDir, '--cni-bin-dir', CNI_BIN, ...(o.trace ? ['--log-level', 'debug'] : [])], log);
  const clients = await dialCri(join(state, 'cri.sock'), child, log);
  const version = (await call(clients.runtime, 'version', { version: '' })).runtimeVersion;
  return { ...clients, version, ceSocket: join(state, 'ce.sock'), log: join(root, 'ced.log') };
}

/** ce's ImportLayout of an OCI layout folder, through ced's own gRPC API. */
async function ceImportLayout(ceSocket, path, name) {
  const { dialUnix, unary } = await import(join(REPO, 'packages/protocol/dist/index.js'));
  const { ImagesClient } = await import(join(REPO, 'packages/protocol/dist/gen/ce/images/v1/images.js'));
  const images = dialUnix(ImagesClient, ceSocket);
  try {
    await unary((cb) => images.importLayout({ path, name }, cb));
  } finally {
    images.close();
  }
}

/** Removes every pod the engine holds, with its containers (through its CRI). */
async function removeEverything(engine) {
  const { items } = await call(engine.runtime, 'listPodSandbox', {});
  for (const p of items) {
    await call(engine.runtime, 'stopPodSandbox', { podSandboxId: p.id }).catch((err) => console.error(`cleanup: stop pod ${p.id}: ${err.details}`));
    await call(engine.runtime, 'removePodSandbox', { podSandboxId: p.id }).catch((err) => console.error(`cleanup: remove pod ${p.id}: ${err.details}`));
  }
}

let podSerial = 0;
const podConfig = (prefix) => {
  const name = `${prefix}-${++podSerial}`;
  return api.PodSandboxConfig.fromPartial({
    metadata: { name, namespace: 'bench', uid: `uid-${name}-${tag}`, attempt: 0 },
    hostname: name,
    labels: { bench: 'cri' },
    linux: { cgroupParent, securityContext: { namespaceOptions: { network: api.NamespaceMode.POD, pid: api.NamespaceMode.CONTAINER, ipc: api.NamespaceMode.POD } } },
  });
};
const containerConfig = (name) =>
  api.ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: BUSYBOX }, command: ['sleep', '86400'], logPath: '', linux: {} });

/** The RPCs one at a time: --warmup untimed and --runs timed rounds of each, the order rotating; --pods ready pods standing. */
async function sequential(engines, cedContainers) {
  // --pods ready pods in each engine; the first is the one asked about, and where containers go.
  const standing = {};
  for (const [name, engine] of Object.entries(engines)) {
    const configs = Array.from({ length: o.pods }, () => podConfig(`${name}-idle`));
    const ids = await inBatches(configs.map((config) => async () => (await call(engine.runtime, 'runPodSandbox', { config, runtimeHandler: '' })).podSandboxId), 4);
    standing[name] = { pod: ids[0], config: configs[0] };
    const { status } = await call(engine.runtime, 'podSandboxStatus', { podSandboxId: ids[0], verbose: false });
    if (status.state !== api.PodSandboxState.SANDBOX_READY || !status.network?.ip) throw new Error(`${name}: the first pod is not ready with an IP: ${JSON.stringify(api.PodSandboxStatus.toJSON(status))}`);
  }
  const timed = async (fn) => {
    const t0 = hr();
    await fn();
    return msSince(t0);
  };

  // Each operation returns its timed parts: { line: ms }.
  const operations = {
    pod: async (name, engine) => {
      const config = podConfig(`${name}-cycle`);
      let id;
      const run = await timed(async () => (id = (await call(engine.runtime, 'runPodSandbox', { config, runtimeHandler: '' })).podSandboxId));
      const stopRemove = await timed(async () => {
        await call(engine.runtime, 'stopPodSandbox', { podSandboxId: id });
        await call(engine.runtime, 'removePodSandbox', { podSandboxId: id });
      });
      return { RunPodSandbox: run, 'StopPodSandbox + RemovePodSandbox': stopRemove };
    },
    status: async (name, engine) => ({ PodSandboxStatus: await timed(() => call(engine.runtime, 'podSandboxStatus', { podSandboxId: standing[name].pod, verbose: false })) }),
    list: async (_name, engine) => ({ [`ListPodSandbox (${o.pods} pods)`]: await timed(() => call(engine.runtime, 'listPodSandbox', {})) }),
    imageStatus: async (_name, engine) => ({ ImageStatus: await timed(() => call(engine.images, 'imageStatus', api.ImageStatusRequest.fromPartial({ image: { image: BUSYBOX } }))) }),
    listImages: async (_name, engine) => ({ ListImages: await timed(() => call(engine.images, 'listImages', {})) }),
  };
  if (cedContainers) {
    let serial = 0;
    const createStart = async (name, engine) => {
      const { containerId } = await call(engine.runtime, 'createContainer', { podSandboxId: standing[name].pod, config: containerConfig(`c${++serial}`), sandboxConfig: standing[name].config });
      await call(engine.runtime, 'startContainer', { containerId });
      return containerId;
    };
    const standingContainer = {};
    for (const [name, engine] of Object.entries(engines)) standingContainer[name] = await createStart(name, engine);
    operations.container = async (name, engine) => {
      let id;
      const createStartMs = await timed(async () => (id = await createStart(name, engine)));
      const stopRemove = await timed(async () => {
        await call(engine.runtime, 'stopContainer', api.StopContainerRequest.fromPartial({ containerId: id, timeout: 0n }));
        await call(engine.runtime, 'removeContainer', { containerId: id });
      });
      return { 'CreateContainer + StartContainer': createStartMs, 'StopContainer + RemoveContainer': stopRemove };
    };
    operations.containerStatus = async (name, engine) => ({ ContainerStatus: await timed(() => call(engine.runtime, 'containerStatus', { containerId: standingContainer[name], verbose: false })) });
    operations.listContainers = async (_name, engine) => ({ ListContainers: await timed(() => call(engine.runtime, 'listContainers', {})) });
  } else {
    console.log("containers: ced's CRI answers UNIMPLEMENTED for the container RPCs (not built yet); CreateContainer, StartContainer, StopContainer, RemoveContainer, ContainerStatus and ListContainers skipped");
  }

  const steps = Object.entries(operations).flatMap(([op, fn]) => Object.entries(engines).map(([name, engine]) => ({ op, name, fn: () => fn(name, engine) })));
  for (let i = 0; i < o.warmup; i++) for (const s of steps) await s.fn();
  const times = {};
  for (let round = 0; round < o.runs; round++) {
    for (let k = 0; k < steps.length; k++) {
      const s = steps[(round + k) % steps.length];
      for (const [line, ms] of Object.entries(await s.fn())) ((times[line] ??= { ced: [], containerd: [] })[s.name]).push(ms);
    }
  }
  console.log(`\n| RPC | ce median | containerd median | ce/containerd | ce p90 | containerd p90 | ce min | containerd min |\n|---|---|---|---|---|---|---|---|`);
  for (const [line, { ced, containerd }] of Object.entries(times)) {
    const [c, d] = [ced, containerd].map((v) => [...v].sort((a, b) => a - b));
    console.log(`| ${line} | ${f(median(c))} ms | ${f(median(d))} ms | ${(median(c) / median(d)).toFixed(2)}× | ${f(nearestRank(c, 0.9))} ms | ${f(nearestRank(d, 0.9))} ms | ${f(c[0])} ms | ${f(d[0])} ms |`);
  }
}

/** Promise.all that waits for every promise before throwing the first failure. */
async function settledAll(promises) {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => r.value);
}

/**
 * `count` pods at once in one engine: each RunPodSandbox, then CreateContainer + StartContainer of a
 * busybox sleep in it, timed from its RunPodSandbox call to its StartContainer's answer. Then (untimed for
 * the start, timed on its own) StopContainer, StopPodSandbox and RemovePodSandbox of each, all at once.
 */
async function startPodsAtOnce(name, engine, round, count = o.parallel) {
  const configs = Array.from({ length: count }, () => podConfig(`${name}-par${round}`));
  const before = engineCpuMs(benchTmp);
  const t0 = hr();
  // allSettled: on a failure every other pod has got its answer before the cleanup lists what to remove.
  const pods = await settledAll(
    configs.map(async (config) => {
      const start = hr();
      const { podSandboxId } = await call(engine.runtime, 'runPodSandbox', { config, runtimeHandler: '' });
      const sandboxMs = msSince(start);
      const { containerId } = await call(engine.runtime, 'createContainer', { podSandboxId, config: containerConfig('sleeper'), sandboxConfig: config });
      await call(engine.runtime, 'startContainer', { containerId });
      return { podSandboxId, containerId, podMs: msSince(start), sandboxMs, containerMs: msSince(start) - sandboxMs };
    }),
  );
  const allMs = msSince(t0);
  const after = engineCpuMs(benchTmp);
  const cpuMs = after[name] - before[name];
  const cpuParts = Object.entries(after.parts)
    .filter(([k]) => k.startsWith(`${name}: `))
    .map(([k, v]) => `${k.slice(name.length + 2)} ${f((v - (before.parts[k] ?? 0)) / count)}`)
    .join(' | ');
  // Each pod must really be up: its sandbox ready with an IP, its container running.
  for (const { podSandboxId, containerId } of pods) {
    const { status: pod } = await call(engine.runtime, 'podSandboxStatus', { podSandboxId, verbose: false });
    const { status: container } = await call(engine.runtime, 'containerStatus', { containerId, verbose: false });
    if (pod.state !== api.PodSandboxState.SANDBOX_READY || !pod.network?.ip || container.state !== api.ContainerState.CONTAINER_RUNNING) {
      throw new Error(`${name}: pod ${podSandboxId} is not ready with an IP and a running container: pod ${api.PodSandboxState[pod.state]} ip ${pod.network?.ip}, container ${api.ContainerState[container.state]}`);
    }
  }
  const t1 = hr();
  await settledAll(
    pods.map(async ({ podSandboxId, containerId }) => {
      await call(engine.runtime, 'stopContainer', api.StopContainerRequest.fromPartial({ containerId, timeout: 0n }));
      await call(engine.runtime, 'stopPodSandbox', { podSandboxId });
      await call(engine.runtime, 'removePodSandbox', { podSandboxId });
    }),
  );
  const teardownMs = msSince(t1);
  const { items } = await call(engine.runtime, 'listPodSandbox', {});
  if (items.length) throw new Error(`${name}: ${items.length} pods left after removing them all`);
  return { pods, allMs, teardownMs, cpuMs, cpuParts };
}

/**
 * CPU time (ms, user + system, with the children each has reaped) of the processes whose command line names
 * the bench's folder, by engine: containerd's (its daemon and shims) under `<tmp>/containerd`, ce's (ced, its
 * shim host, ce-monitors) otherwise. The pods' own processes name neither. A CNI plugin or runc counts once its
 * parent has reaped it.
 */
function engineCpuMs(tmp) {
  const ms = { ced: 0, containerd: 0, parts: {} };
  for (const pid of readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(tmp)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [utime, stime, cutime, cstime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map((t) => (Number(t) * 1000) / CLOCK_TICKS);
      const engine = cmd.includes(join(tmp, 'containerd')) ? 'containerd' : 'ced';
      ms[engine] += utime + stime + cutime + cstime;
      // --trace: by process (its name: ced, ce-shim, ce-monitor, containerd, containerd-shim-runc-v2), itself and what it reaped
      const name = basename(cmd.split('\0').slice(cmd.startsWith(process.execPath) ? 1 : 0).find((a) => !a.startsWith('-')) ?? '').replace(/\.m?js$/, '');
      for (const [key, v] of [[`${engine}: ${name}`, utime + stime], [`${engine}: ${name}'s children`, cutime + cstime]]) ms.parts[key] = (ms.parts[key] ?? 0) + v;
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

/** With --trace: the medians of each phase ced logged (`timings` of the CRI's debug lines) since byte `from` of its log. */
function cedPhases(log, from) {
  const phases = {};
  for (const line of readFileSync(log).subarray(from).toString('utf8').split('\n')) {
    if (!line.includes('"timings"')) continue;
    const entry = JSON.parse(line);
    if (!['pod sandbox started', 'container created', 'container started'].includes(entry.msg)) continue;
    for (const [k, v] of Object.entries(entry.timings)) (phases[`${entry.msg.split(' ')[1]}.${k.replace(/Ms$/, '')}`] ??= []).push(v);
  }
  return Object.entries(phases)
    .map(([k, v]) => `${k} ${f(median(v))}`)
    .join(' | ');
}

/** Issue 14's figure: --rounds rounds of --parallel pods at once in each engine, the engine that goes first alternating. */
async function parallelPodStart(engines) {
  const names = Object.keys(engines);
  const samples = Object.fromEntries(names.map((n) => [n, { pod: [], sandbox: [], container: [], all: [], teardown: [], cpu: [] }]));
  console.log(`\nparallel pod start: ${o.parallel} pods at once (RunPodSandbox, then CreateContainer + StartContainer of busybox sleep), ${o.rounds} round${o.rounds === 1 ? '' : 's'}; ${machineLine()}`);
  // Untimed: one pod in each, so that neither engine's first round pays for a first use (with --parallel-only).
  for (const name of names) await startPodsAtOnce(name, engines[name], 'warm', 1);
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const logAt = engines[name].log && o.trace ? statSync(engines[name].log).size : 0;
      const { pods, allMs, teardownMs, cpuMs, cpuParts } = await startPodsAtOnce(name, engines[name], round);
      const s = samples[name];
      for (const p of pods) {
        s.pod.push(p.podMs);
        s.sandbox.push(p.sandboxMs);
        s.container.push(p.containerMs);
      }
      s.all.push(allMs);
      s.teardown.push(teardownMs);
      s.cpu.push(cpuMs / pods.length);
      console.log(`  round ${round + 1} ${name}: all started in ${f(allMs)} ms (engine CPU ${f(cpuMs)} ms), pods p50 ${f(median(pods.map((p) => p.podMs)))} ms; stopped and removed in ${f(teardownMs)} ms (${machineLine()})`);
      if (o.trace) console.log(`    CPU per pod started, ms: ${cpuParts}`);
      if (engines[name].log && o.trace) console.log(`    ced's phases, medians in ms: ${cedPhases(engines[name].log, logAt)}`);
    }
  }
  const [ce, other] = names;
  const stats = (v) => {
    const sorted = [...v].sort((a, b) => a - b);
    return { p50: median(sorted), p99: nearestRank(sorted, 0.99), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
  };
  console.log(`\n| ${o.parallel} pods at once | ce p50 | containerd p50 | ce/containerd p50 | ce p99 | containerd p99 | ce/containerd p99 | ce min–max | containerd min–max | n |\n|---|---|---|---|---|---|---|---|---|---|`);
  for (const [key, line] of [
    ['pod', 'pod start (Run + Create + Start)'],
    ['sandbox', 'of which RunPodSandbox'],
    ['container', 'of which CreateContainer + StartContainer'],
    ['all', `all ${o.parallel} started (wall, per round)`],
    ['teardown', `all ${o.parallel} stopped + removed (wall, per round)`],
    ['cpu', "engine's CPU per pod started (per round)"],
  ]) {
    const [a, b] = [samples[ce][key], samples[other][key]].map(stats);
    console.log(`| ${line} | ${f(a.p50)} ms | ${f(b.p50)} ms | ${(a.p50 / b.p50).toFixed(2)}× | ${f(a.p99)} ms | ${f(b.p99)} ms | ${(a.p99 / b.p99).toFixed(2)}× | ${f(a.min)}–${f(a.max)} ms | ${f(b.min)}–${f(b.max)} ms | ${a.n} |`);
  }
  const podP = (n) => stats(samples[n].pod);
  console.log(`goal ≤ 0.7× containerd's p50 and p99: p50 ${(podP(ce).p50 / podP(other).p50).toFixed(2)}×, p99 ${(podP(ce).p99 / podP(other).p99).toFixed(2)}×`);
}

await runBench(async () => {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  for (const need of [PAUSE_LAYOUT, CED_JS, ...['bridge', 'host-local', 'loopback'].map((p) => join(CNI_BIN, p))]) {
    if (!existsSync(need)) throw new Error(`${need} is missing (npm run build; apt-get install containernetworking-plugins)`);
  }
  const tmp = await benchFolder('ccb-');
  benchTmp = tmp;
  onCleanup('pod cgroup parent', removeCgroupParent);
  const networks = {
    ced: { name: `ce-bench-cri-${tag}`, bridge: `ccbe${tag}`, subnet: `10.224.${tag % 250}.0/24`, dir: join(tmp, 'ced-net.d') },
    containerd: { name: `ctrd-bench-cri-${tag}`, bridge: `ccbc${tag}`, subnet: `10.225.${tag % 250}.0/24`, dir: join(tmp, 'containerd-net.d') },
  };
  for (const n of Object.values(networks)) {
    cniList(n.dir, n.name, n.bridge, n.subnet);
    onCleanup(`CNI network ${n.name}`, () => {
      removeCniRules(n.name);
      removeLink(n.bridge);
    });
  }

  const busybox = await busyboxLayout(join(tmp, 'busybox-layout'));
  const engines = { ced: await startCed(tmp, networks.ced.dir), containerd: await startContainerd(tmp, networks.containerd.dir) };
  for (const engine of Object.values(engines)) onCleanup('pods and containers', () => removeEverything(engine));

  // The same images in both: ce's import of the layouts; containerd's of the layouts as OCI archives.
  await ceImportLayout(engines.ced.ceSocket, busybox, BUSYBOX);
  for (const [layout, archive] of [
    [busybox, join(tmp, 'busybox.tar')],
    [PAUSE_LAYOUT, join(tmp, 'pause.tar')],
  ]) {
    await runChecked('tar', ['-C', layout, '-cf', archive, '.']);
    await engines.containerd.ctr(['images', 'import', archive]);
  }
  console.log(`cri: ${o['parallel-only'] ? 'parallel pod start only' : `${o.warmup} warm-up + ${o.runs} timed runs each, order rotating`}; ${machineLine()}; ce ${engines.ced.version}, containerd ${engines.containerd.version}`);

  // ced serves the container RPCs once they are built; until then they answer UNIMPLEMENTED.
  const cedContainers = await call(engines.ced.runtime, 'listContainers', {}).then(
    () => true,
    (err) => (err.code === grpcStatus.UNIMPLEMENTED ? false : Promise.reject(err)),
  );

  for (const [name, engine] of Object.entries(engines)) {
    const { image } = await call(engine.images, 'imageStatus', api.ImageStatusRequest.fromPartial({ image: { image: BUSYBOX } }));
    if (!image?.repoTags.includes(BUSYBOX)) throw new Error(`${name} does not have ${BUSYBOX} after its import`);
  }
  if (!o['parallel-only']) {
    await sequential(engines, cedContainers);
    // The sequential part's pods and containers go first, so that each engine holds only the parallel pods.
    for (const engine of Object.values(engines)) await removeEverything(engine);
  }
  if (cedContainers) await parallelPodStart(engines);
  else console.log('parallel pod start: skipped, ced does not serve the container RPCs');
  console.log(`\n(after: ${machineLine()})`);
});
