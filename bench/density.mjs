#!/usr/bin/env node
// Density: the marginal memory of an idle container, ce against Docker, from
// one run. The PSS of all the engine's processes (ce: ced and every ce-shim;
// Docker: dockerd, containerd and every containerd-shim-runc-v2) with --high
// running `sleep` containers, minus with --low, divided by the difference.
// See bench/README.md. Run as root after `npm run build`.
import { setTimeout as sleep } from 'node:timers/promises';
import { IDLE, IMAGE, inBatches, machineLine, mb, median, parseOptions, removeAll, runBench, startEngines, until } from './lib/engines.mjs';

const o = parseOptions('density.mjs', {
  high: { value: 60, help: 'containers for the high count' },
  low: { value: 10, help: 'containers for the low count' },
  settle: { value: 15, help: 'seconds idle before each measurement (V8 shrinks an idle heap some seconds after start-up)' },
  concurrency: { value: 4, help: 'containers started at a time' },
  'no-docker': { value: false, help: 'ce only' },
  'no-ce': { value: false, help: 'docker only' },
  'log-local': { value: false, help: "both engines' containers log with --log-driver local" },
});
const LOG_FLAGS = o['log-local'] ? ['--log-driver', 'local'] : [];
if (o.high <= o.low) {
  console.error('density.mjs: --high must be above --low');
  process.exit(2);
}

/** Sum and per-role figures of one measurement. */
function summarize(procs) {
  const byRole = {};
  for (const p of procs) (byRole[p.role] ??= []).push(p.mem);
  const total = procs.reduce((s, p) => s + p.mem.pss, 0);
  return { total, byRole, count: procs.length };
}

function roleLine(byRole) {
  return Object.entries(byRole)
    .map(([role, mems]) =>
      mems.length === 1
        ? `${role} ${mb(mems[0].pss)} PSS / ${mb(mems[0].rss)} RSS`
        : `${mems.length}× ${role} median ${mb(median(mems.map((m) => m.pss)))} PSS / ${mb(median(mems.map((m) => m.rss)))} RSS / ${mb(median(mems.map((m) => m.priv)))} private`,
    )
    .join('; ');
}

async function measureEngine(label, e, { start, running, memory }) {
  const at = {};
  let started = 0;
  for (const count of [o.low, o.high]) {
    await inBatches(
      Array.from({ length: count - started }, (_, i) => () => start(`d${started + i}`)),
      o.concurrency,
    );
    started = count;
    await until(`${count} running ${label} containers`, async () => (await running()) === count);
    await sleep(o.settle * 1000);
    at[count] = summarize(memory());
    if (!at[count].byRole[label === 'ce' ? 'ce-shim' : 'containerd-shim-runc-v2']) throw new Error(`no ${label} shim found among the engine's processes`);
  }
  const marginal = (at[o.high].total - at[o.low].total) / (o.high - o.low);
  const shimRole = label === 'ce' ? 'ce-shim' : 'containerd-shim-runc-v2';
  const shimSum = (n) => at[n].byRole[shimRole].reduce((sum, m) => sum + m.pss, 0);
  // The shims alone: free of the daemons' heaps, which move by MBs between two measurements.
  const shimsMarginal = (shimSum(o.high) - shimSum(o.low)) / (o.high - o.low);
  const shims = at[o.high].byRole[shimRole];
  return { label, at, marginal, shimsMarginal, shim: { pss: median(shims.map((m) => m.pss)), rss: median(shims.map((m) => m.rss)), priv: median(shims.map((m) => m.priv)) } };
}

await runBench(async () => {
  const e = await startEngines();
  console.log(`density: ${o.low} → ${o.high} idle containers (\`sleep ${IDLE[1]}\`, busybox), ${o.settle} s settle; ${machineLine()}; docker ${e.dockerVersion}`);
  const results = [];
  if (!o['no-ce']) {
    results.push(
      await measureEngine('ce', e, {
        start: (name) => e.ceChecked(['run', '-d', ...LOG_FLAGS, '--name', name, IMAGE, ...IDLE]),
        running: async () => (await e.ceChecked(['ps', '-q'])).stdout.trim().split('\n').filter(Boolean).length,
        memory: e.ceMemory,
      }),
    );
    await removeAll(e);
  }
  if (!o['no-docker']) {
    results.push(
      await measureEngine('docker', e, {
        start: (name) => e.dockerChecked(['run', '-d', ...LOG_FLAGS, '--network', 'none', '--name', name, IMAGE, ...IDLE]),
        running: async () => (await e.dockerChecked(['ps', '-q'])).stdout.trim().split('\n').filter(Boolean).length,
        memory: e.dockerMemory,
      }),
    );
    await removeAll(e);
  }

  console.log('\n| engine | PSS at ' + o.low + ' | PSS at ' + o.high + ' | marginal PSS / container | of which shims | shim PSS | shim RSS | shim private |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.label} | ${mb(r.at[o.low].total)} MB | ${mb(r.at[o.high].total)} MB | **${mb(r.marginal)} MB** | ${mb(r.shimsMarginal)} MB | ${mb(r.shim.pss)} MB | ${mb(r.shim.rss)} MB | ${mb(r.shim.priv)} MB |`);
  }
  for (const r of results) {
    for (const n of [o.low, o.high]) console.log(`  ${r.label} at ${n}: ${r.at[n].count} processes: ${roleLine(r.at[n].byRole)}`);
  }
  const [ce, docker] = [results.find((r) => r.label === 'ce'), results.find((r) => r.label === 'docker')];
  if (ce && docker) {
    console.log(`\nratio ce/docker (marginal PSS): ${(ce.marginal / docker.marginal).toFixed(2)}× (goal ≤ 0.5×: ${ce.marginal <= docker.marginal / 2 ? 'met' : `not met, ce needs ≤ ${mb(docker.marginal / 2)} MB`}); conmon-class monitor ≈ 0.55 MB`);
  }
  console.log(`(after: ${machineLine()})`);
});
