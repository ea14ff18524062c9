#!/usr/bin/env node
// Networking, ce beside Docker 20.10 on its default bridge, from one run:
// what the default network adds to `run --rm` (and ced's own log of its
// network setup and teardown), and TCP throughput container → container and
// host loopback → published port. See bench/README.md. Run as root after
// `npm run build`; needs gcc (the throughput tool, bench/lib/tcp-bulk.c, is
// built static for the busybox image).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE, IDLE, REPO, machineLine, median, onCleanup, parseOptions, run, runBench, startEngines } from './lib/engines.mjs';

const o = parseOptions('network.mjs', {
  runs: { value: 20, help: 'timed rounds of the run --rm lines' },
  warmup: { value: 3, help: 'untimed runs of each run --rm line first' },
  transfers: { value: 5, help: 'timed transfers per engine and path' },
  mib: { value: 1024, help: 'MiB per transfer' },
});

const { IptablesFirewall, commandRunner } = await import(join(REPO, 'packages/network/dist/index.js'));
const { Iptables } = await import(join(REPO, 'packages/network/dist/firewall/iptables.js'));

const SYSCTLS = ['net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables'];
const TABLES = ['filter', 'nat'];
const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const SERVER_PORT = 5001;
const BYTES = o.mib * 1024 * 1024;

const nearestRank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const sorted = (v) => [...v].sort((a, b) => a - b);
const shuffled = (v) => {
  const a = [...v];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const readSysctl = (path) => {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return null;
  }
};

function ipOut(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A /24 in 10.214.0.0/16 that no route of the machine uses. */
function freeSubnet() {
  const routes = ipOut(['-4', 'route', 'show', 'table', 'all']);
  for (let i = 0, n = process.pid % 256; i < 256; i++, n = (n + 1) % 256) if (!routes.includes(`10.214.${n}.`)) return `10.214.${n}`;
  throw new Error('no free /24 in 10.214.0.0/16 for ce\'s bridge');
}

/** A TCP port free on 127.0.0.1 now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function buildTcpBulk() {
  const dir = mkdtempSync(join(tmpdir(), 'cnb-tool-'));
  onCleanup('tcp-bulk build folder', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'tcp-bulk');
  const r = spawnSync('gcc', ['-O2', '-static', '-Wall', '-o', out, join(REPO, 'bench/lib/tcp-bulk.c')], { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc: ${r.error.message} (install Debian's gcc and libc6-dev)`);
  if (r.status !== 0) throw new Error(`gcc bench/lib/tcp-bulk.c: ${r.stderr}`);
  return out;
}

// ---------------------------------------------------------------- the host's network state

const iptables = new Iptables(commandRunner());

async function hostState() {
  const snapshot = await iptables.save();
  return { snapshot, sysctls: Object.fromEntries(SYSCTLS.map((p) => [p, readSysctl(p)])), forwardPolicy: snapshot.get('filter')?.policies.get('FORWARD') ?? 'ACCEPT' };
}

const dockerChain = (c) => c === 'DOCKER' || c.startsWith('DOCKER-');

/**
 * Takes out what a dockerd run with iptables added: the DOCKER* chains it
 * created and the rules it put in the built-in chains (jumps to them, and its
 * bridge's and subnet's rules), only those absent from `before`.
 */
async function removeDockerRules(before, bridge, subnet) {
  const now = await iptables.save();
  const batches = new Map();
  for (const table of TABLES) {
    const then = before.get(table);
    const state = now.get(table);
    if (!state) continue;
    const created = [...state.chains].filter((c) => dockerChain(c) && !then?.chains.has(c));
    const rules = state.rules.filter((line) => {
      const chain = line.split(' ')[1];
      if (!BUILTIN.has(chain) || then?.rules.includes(line)) return false;
      const target = / -[jg] (\S+)/.exec(line)?.[1];
      return created.includes(target) || line.includes(` ${bridge} `) || line.endsWith(` ${bridge}`) || line.includes(`${subnet}.`);
    });
    batches.set(table, { newChains: [], lines: [...rules.map((l) => `-D${l.slice(2)}`), ...created.map((c) => `-F ${c}`), ...created.map((c) => `-X ${c}`)] });
  }
  await iptables.restore(batches);
}

/** Puts back the sysctls and the FORWARD policy that differ from `before`; returns what it changed. */
async function restoreSettings(before) {
  const changed = [];
  for (const [path, value] of Object.entries(before.sysctls)) {
    const now = readSysctl(path);
    if (value !== null && now !== null && now !== value) {
      writeSysctl(path, value);
      changed.push(`${path} ${now} → ${value}`);
    }
  }
  const policy = (await iptables.save()).get('filter')?.policies.get('FORWARD') ?? 'ACCEPT';
  if (policy !== before.forwardPolicy) {
    await iptables.restore(new Map([['filter', { newChains: [], lines: [], policies: new Map([['FORWARD', before.forwardPolicy]]) }]]));
    changed.push(`filter FORWARD policy ${policy} → ${before.forwardPolicy}`);
  }
  return changed;
}

function writeSysctl(path, value) {
  spawnSync('sh', ['-c', 'printf %s "$2" > "/proc/sys/$1"', 'sh', path, value]);
}

/** Lines of iptables-save (rules, chains, policies) added or gone since `before`, naming `needles`. */
async function firewallDiff(before, needles) {
  const lines = (s) => new Set([...s].flatMap(([t, st]) => [...[...st.chains].map((c) => `${t} :${c} ${st.policies.get(c) ?? '-'}`), ...st.rules.map((r) => `${t} ${r}`)]));
  const a = lines(before);
  const b = lines(await iptables.save());
  const ours = (l) => needles.some((n) => l.includes(n));
  return { added: [...b].filter((l) => !a.has(l)), gone: [...a].filter((l) => !b.has(l)), ours };
}

// ---------------------------------------------------------------- the measurements

/**
 * ced's log after `offset`: per container id, networkMs of its start,
 * networkTeardownMs / endpoints of its teardown, and the times (ms) of
 * `container created`, `started`, `exited` and `removed`.
 */
function cedNetworkTimings(log, offset) {
  const byId = new Map();
  const entry = (id) => byId.get(id) ?? byId.set(id, {}).get(id);
  for (const line of readFileSync(log, 'utf8').slice(offset).split('\n')) {
    if (!line.startsWith('{')) continue;
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    if (j.msg === 'container started' && j.timings?.networkMs !== undefined) entry(j.id).setup = j.timings.networkMs;
    const phase = { 'container created': 'created', 'container started': 'started', 'container exited': 'exited', 'container removed': 'removed' }[j.msg];
    if (phase && j.id) entry(j.id)[phase] = j.time;
    if (j.msg === 'network torn down') Object.assign(entry(j.id), { teardown: j.networkTeardownMs, endpoints: j.endpoints });
  }
  return [...byId.values()].filter((e) => e.setup !== undefined && e.teardown !== undefined);
}

function statsLine(name, values, unit = 'ms', digits = 0) {
  const s = sorted(values);
  return `| ${name} | ${median(s).toFixed(digits)} ${unit} | ${nearestRank(s, 0.9).toFixed(digits)} ${unit} | ${s[0].toFixed(digits)} ${unit} | ${s.length} |`;
}

async function measureRunRm(e) {
  const ok = (r) => r.code === 0 && r.stdout.includes('ok');
  const lines = {
    'ce run --rm (default bridge)': () => e.ce(['run', '--rm', IMAGE, 'echo', 'ok']),
    'ce run --rm --network none': () => e.ce(['run', '--rm', '--network', 'none', IMAGE, 'echo', 'ok']),
    'docker run --rm (default bridge)': () => e.docker(['run', '--rm', IMAGE, 'echo', 'ok']),
    'docker run --rm --network none': () => e.docker(['run', '--rm', '--network', 'none', IMAGE, 'echo', 'ok']),
  };
  const names = Object.keys(lines);
  const once = async (n) => {
    const r = await lines[n]();
    if (!ok(r)) throw new Error(`${n}: exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
    return r.ms;
  };
  for (let i = 0; i < o.warmup; i++) for (const n of names) await once(n);
  const logOffset = readFileSync(e.cedLog, 'utf8').length;
  const times = Object.fromEntries(names.map((n) => [n, []]));
  // Shuffled rounds, not rotated: with a rotation each engine's `none` run would always follow its bridge run,
  // and pay for what that one left to finish (the kernel frees a namespace and its veth after the fact).
  for (let round = 0; round < o.runs; round++) {
    for (const n of shuffled(names)) times[n].push(await once(n));
  }
  return { times, ced: cedNetworkTimings(e.cedLog, logOffset) };
}

async function inspectField(exec, name, format) {
  return (await exec(['inspect', '-f', format, name])).stdout.trim();
}

/** Per engine: a receiver `srv` (published on 127.0.0.1:<port>) and an idle `cli` on the default bridge. */
async function startTransferContainers(engine, exec) {
  const port = await freePort();
  await exec(['run', '-d', '--name', 'srv', '-p', `127.0.0.1:${port}:${SERVER_PORT}`, IMAGE, 'tcp-bulk', 'recv', String(SERVER_PORT)]);
  await exec(['run', '-d', '--name', 'cli', IMAGE, ...IDLE]);
  const ip = await inspectField(exec, 'srv', '{{.NetworkSettings.IPAddress}}');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`${engine}: srv has no IPv4 address on the default bridge (${JSON.stringify(ip)})`);
  return { port, ip };
}

/** One transfer's MB/s, from the sender's own clock (connect → the receiver's close after EOF). */
function throughput(r, what) {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  const [bytes, , mbps] = r.stdout.trim().split(' ').map(Number);
  if (bytes !== BYTES || !(mbps > 0)) throw new Error(`${what}: unexpected output ${JSON.stringify(r.stdout)}`);
  return mbps;
}

async function measureThroughput(e, tool) {
  const ceT = await startTransferContainers('ce', e.ceChecked);
  const dockerT = await startTransferContainers('docker', e.dockerChecked);
  const send = ['tcp-bulk', 'send'];
  const lines = {
    'ce: container → container': () => e.ce(['exec', 'cli', ...send, ceT.ip, String(SERVER_PORT), String(BYTES)]),
    'docker: container → container': () => e.docker(['exec', 'cli', ...send, dockerT.ip, String(SERVER_PORT), String(BYTES)]),
    'ce: host 127.0.0.1 → published port': () => run(tool, ['send', '127.0.0.1', String(ceT.port), String(BYTES)]),
    'docker: host 127.0.0.1 → published port': () => run(tool, ['send', '127.0.0.1', String(dockerT.port), String(BYTES)]),
  };
  const names = Object.keys(lines);
  for (const n of names) throughput(await lines[n](), n); // warm-up: page cache, conntrack, ARP
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < o.transfers; round++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(round + k) % names.length];
      rates[n].push(throughput(await lines[n](), n));
    }
  }
  // Every transfer reached the receiver whole: it logs the bytes of each connection.
  for (const [engine, exec] of [['ce', e.ceChecked], ['docker', e.dockerChecked]]) {
    const logs = await exec(['logs', 'srv']);
    const whole = (logs.stdout + logs.stderr).split('\n').filter((l) => l === `tcp-bulk: received ${BYTES} bytes`).length;
    if (whole !== 2 * (o.transfers + 1)) throw new Error(`${engine}: the receiver logged ${whole} whole transfers of ${2 * (o.transfers + 1)}:\n${logs.stdout}${logs.stderr}`);
  }
  const proxies = spawnSync('pgrep', ['-af', `docker-proxy.*-host-port ${dockerT.port}`], { encoding: 'utf8' }).stdout.trim();
  return { rates, proxied: proxies.length > 0 };
}

// ---------------------------------------------------------------- main

await runBench(async () => {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  const tool = buildTcpBulk();
  const before = await hostState();
  const foreign = TABLES.flatMap((t) => [...(before.snapshot.get(t)?.chains ?? [])].filter(dockerChain).map((c) => `${t}/${c}`));
  if (foreign.length) throw new Error(`iptables already has Docker's chains (${foreign.join(', ')}): another dockerd runs with iptables, and a second would share them; stop it first`);

  const ceBridge = `cenb${process.pid}`.slice(0, 15);
  const ceSubnet = freeSubnet();
  const chainPrefix = `CENB${process.pid}`;
  let dockerBridge = null;
  let dockerSubnet = null;
  // Registered before the engines: runs after ced and dockerd have stopped.
  onCleanup('host network', async () => {
    await new IptablesFirewall({ chainPrefix }).reset();
    spawnSync('ip', ['link', 'del', ceBridge], { stdio: 'ignore' });
    if (dockerBridge) await removeDockerRules(before.snapshot, dockerBridge, dockerSubnet);
    const restored = await restoreSettings(before);
    if (restored.length) console.log(`restored: ${restored.join('; ')}`);
    const needles = [chainPrefix, ceBridge, `${ceSubnet}.`, 'DOCKER', ...(dockerBridge ? [dockerBridge, `${dockerSubnet}.`] : [])];
    const diff = await firewallDiff(before.snapshot, needles);
    for (const l of diff.added.filter(diff.ours)) console.error(`LEAK: iptables ${l}`);
    for (const l of diff.gone.filter(diff.ours)) console.error(`LEAK: iptables lost ${l}`);
    const others = diff.added.length + diff.gone.length - diff.added.filter(diff.ours).length - diff.gone.filter(diff.ours).length;
    console.log(`iptables-save after cleanup: ${diff.added.filter(diff.ours).length + diff.gone.filter(diff.ours).length} lines of this bench differ from before` + (others ? ` (${others} other lines changed meanwhile, by other work on the machine)` : ''));
    for (const link of [ceBridge, dockerBridge].filter(Boolean)) {
      if (spawnSync('ip', ['link', 'show', link], { stdio: 'ignore' }).status === 0) console.error(`LEAK: link ${link}`);
    }
  });

  const e = await startEngines({
    cedArgs: ['-b', ceBridge, '--bip', `${ceSubnet}.1/24`, '--network-chain-prefix', chainPrefix],
    dockerd: { networking: true },
    extraFiles: { 'bin/tcp-bulk': tool },
  });
  dockerBridge = e.dockerBridge;
  dockerSubnet = /inet (\d+\.\d+\.\d+)\.\d+\//.exec(ipOut(['-4', 'addr', 'show', 'dev', dockerBridge]))?.[1] ?? null;
  onCleanup('containers of the throughput part', async () => {
    await e.ce(['rm', '-f', 'srv', 'cli']);
    await e.docker(['rm', '-f', 'srv', 'cli']);
  });

  console.log(`network: ${machineLine()}; docker ${e.dockerVersion}`);
  console.log(`ce: bridge ${ceBridge} ${ceSubnet}.1/24, chains ${chainPrefix}*; docker: bridge ${dockerBridge} ${dockerSubnet}.1/24, iptables on, userland proxy on (its default)`);

  console.log(`\n## run --rm: ${o.warmup} warm-up + ${o.runs} timed runs of each, order shuffled each round (\`run --rm bb echo ok\`)\n`);
  const { times, ced } = await measureRunRm(e);
  console.log('| command | median | p90 | min | n |\n|---|---|---|---|---|');
  for (const [n, t] of Object.entries(times)) console.log(statsLine(n, t));
  // Three estimates of what the bridge adds, since one run's noise on a loaded machine is larger than the cost:
  // the difference of the medians, the median of each round's difference (the two runs of a round are close in time), and of the minima.
  const bridgeOf = (engine) => times[`${engine} run --rm (default bridge)`];
  const noneOf = (engine) => times[`${engine} run --rm --network none`];
  const cost = (engine) => ({
    medians: median(bridgeOf(engine)) - median(noneOf(engine)),
    paired: median(bridgeOf(engine).map((t, i) => t - noneOf(engine)[i])),
    minima: Math.min(...bridgeOf(engine)) - Math.min(...noneOf(engine)),
  });
  const runRatio = median(bridgeOf('ce')) / median(bridgeOf('docker'));
  console.log('\nwhat the default bridge adds to run --rm (bridge − none):\n\n| estimate | ce | docker | ce/docker |\n|---|---|---|---|');
  for (const [k, label] of [['medians', 'median bridge − median none'], ['paired', 'median of the rounds\' differences'], ['minima', 'min bridge − min none']]) {
    const [c, d] = [cost('ce')[k], cost('docker')[k]];
    console.log(`| ${label} | ${c.toFixed(0)} ms | ${d.toFixed(0)} ms | ${d > 0 ? `${(c / d).toFixed(2)}×` : 'n/a'} |`);
  }
  console.log('(goal ≤ 0.5×; the rounds\' spread is in the table above: a difference smaller than it is noise)');
  console.log(`\nrun --rm with the default network, ratio ce/docker (medians): ${runRatio.toFixed(2)}× (goal ≤ 0.5×: ${runRatio <= 0.5 ? 'met' : 'not met'})`);
  const bridged = ced.filter((c) => c.endpoints === 1);
  const none = ced.filter((c) => c.endpoints === 0);
  console.log('\nced\'s log (the start pipeline\'s `networkMs`, the network step\'s `networkTeardownMs`):\n');
  console.log('| ce, per container | median | p90 | min | n |\n|---|---|---|---|---|');
  for (const [label, set] of [['default bridge', bridged], ['--network none', none]]) {
    if (!set.length) continue;
    console.log(statsLine(`${label}: setup`, set.map((c) => c.setup), 'ms', 1));
    console.log(statsLine(`${label}: teardown`, set.map((c) => c.teardown), 'ms', 1));
    console.log(statsLine(`${label}: setup + teardown`, set.map((c) => c.setup + c.teardown), 'ms', 1));
    const full = set.filter((c) => c.created && c.started && c.exited && c.removed);
    console.log(statsLine(`${label}: created → started`, full.map((c) => c.started - c.created)));
    console.log(statsLine(`${label}: started → exited`, full.map((c) => c.exited - c.started)));
    console.log(statsLine(`${label}: exited → removed`, full.map((c) => c.removed - c.exited)));
  }

  console.log(`\n## TCP throughput: ${o.mib} MiB per transfer, 1 warm-up + ${o.transfers} timed transfers of each, order rotating\n`);
  const { rates, proxied } = await measureThroughput(e, tool);
  console.log('| path | median | min | max | n |\n|---|---|---|---|---|');
  for (const [n, r] of Object.entries(rates)) {
    const s = sorted(r);
    console.log(`| ${n} | ${median(s).toFixed(0)} MB/s | ${s[0].toFixed(0)} MB/s | ${s[s.length - 1].toFixed(0)} MB/s | ${s.length} |`);
  }
  for (const path of ['container → container', 'host 127.0.0.1 → published port']) {
    const ratio = median(rates[`ce: ${path}`]) / median(rates[`docker: ${path}`]);
    console.log(`${path}: ce/docker ${ratio.toFixed(2)}× (goal ≥ 0.9×: ${ratio >= 0.9 ? 'met' : 'not met'})`);
  }
  console.log(`docker's published port from 127.0.0.1: ${proxied ? 'through docker-proxy (the userland proxy)' : 'no docker-proxy seen'}; ce's: DNAT in ${chainPrefix}'s nat chain`);
  console.log(`(after: ${machineLine()})`);
});
