#!/usr/bin/env node
// bench/netlink: one container's link side (pinned netns + veth with the peer as
// eth0 inside + master + hairpin + up + address + default route) set up with
// @ce/network's rtnetlink from this Node process, against the same with one
// `ip`/`bridge` process per operation. Rounds alternate the two; teardown is untimed.
// Usage: node bench/netlink.mjs [--runs N (50)] [--warmup N (3)]   (root; needs `npm run build`)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { netlinkLinkOps, pinnedNetns } = await import(join(REPO, 'packages/network/dist/index.js'));

const opts = { runs: 50, warmup: 3 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const n = Number(process.argv[++i]);
  if ((a !== '--runs' && a !== '--warmup') || !Number.isInteger(n) || n < 0) {
    console.error('usage: node bench/netlink.mjs [--runs N (50)] [--warmup N (3)]');
    process.exit(2);
  }
  opts[a.slice(2)] = n;
}
if (process.getuid() !== 0) {
  console.error('bench/netlink needs root');
  process.exit(1);
}

const id = process.pid % 10000;
const bridge = `cebench${id}`;
const subnet = `10.214.${process.pid % 250}`;
const dir = mkdtempSync(join(tmpdir(), 'ce-bench-netlink-'));
const links = netlinkLinkOps();
const netns = pinnedNetns();
const run = (cmd, ...args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

async function viaNetlink(i) {
  const ns = join(dir, `nl${i}`);
  const host = `cebn${id}x${i}`;
  const t0 = process.hrtime.bigint();
  await netns.create(ns);
  netnsMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  await links.createVethPair(host, 'eth0', ns, { mtu: 1500 });
  await links.setMaster(host, bridge);
  await links.setHairpin(host, true);
  await links.setUp(host);
  await links.setUp('lo', ns);
  await links.setUp('eth0', ns);
  await links.addAddress('eth0', `${subnet}.${2 + (i % 250)}/24`, ns);
  await links.addRoute({ dst: 'default', gateway: `${subnet}.1` }, ns);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await links.deleteLink(host);
  await netns.remove(ns);
  return ms;
}

function viaIp(i) {
  const name = `cebench${id}x${i}`;
  const host = `cebi${id}x${i}`;
  const t0 = process.hrtime.bigint();
  run('ip', 'netns', 'add', name);
  run('ip', 'link', 'add', host, 'mtu', '1500', 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', '1500', 'netns', name);
  run('ip', 'link', 'set', host, 'master', bridge);
  run('bridge', 'link', 'set', 'dev', host, 'hairpin', 'on');
  run('ip', 'link', 'set', host, 'up');
  run('ip', '-n', name, 'link', 'set', 'lo', 'up');
  run('ip', '-n', name, 'link', 'set', 'eth0', 'up');
  run('ip', '-n', name, 'addr', 'add', `${subnet}.${2 + (i % 250)}/24`, 'brd', '+', 'dev', 'eth0');
  run('ip', '-n', name, 'route', 'add', 'default', 'via', `${subnet}.1`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  run('ip', 'link', 'del', host);
  run('ip', 'netns', 'del', name);
  return ms;
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, median, p90: s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)], min: s[0] };
}

const results = { netlink: [], ip: [] };
const netnsMs = [];
try {
  await links.createBridge(bridge);
  await links.addAddress(bridge, `${subnet}.1/24`);
  await links.setUp(bridge);
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    const order = i % 2 ? ['ip', 'netlink'] : ['netlink', 'ip'];
    for (const way of order) {
      const ms = way === 'netlink' ? await viaNetlink(i) : viaIp(i);
      if (i >= opts.warmup) results[way].push(ms);
    }
  }
} finally {
  try {
    await links.deleteLink(bridge);
  } finally {
    links.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`bench/netlink: ${opts.runs} runs after ${opts.warmup} warm-up; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}, kernel ${release()}`);
console.log('| way | median ms | p90 ms | min ms |');
console.log('|---|---|---|---|');
for (const [way, label] of [['netlink', 'rtnetlink from Node (@ce/network)'], ['ip', 'one ip/bridge process per operation (9)']]) {
  const s = stats(results[way]);
  console.log(`| ${label} | ${s.median.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.min.toFixed(2)} |`);
}
const n = stats(netnsMs.slice(opts.warmup));
console.log(`| of which netns create (helper thread: unshare + bind mount) | ${n.median.toFixed(2)} | ${n.p90.toFixed(2)} | ${n.min.toFixed(2)} |`);
