#!/usr/bin/env node
// Exec latency: `ce exec bench true` against `docker exec bench true` in a running
// busybox container of each engine, from one run, with `ce version` /
// `docker version` as the clients' floor. See bench/README.md. Run as root
// after `npm run build`.
import { spawnSync } from 'node:child_process';
import { CE_JS, IDLE, IMAGE, machineLine, median, parseOptions, runBench, startEngines } from './lib/engines.mjs';

const o = parseOptions('exec.mjs', {
  runs: { value: 20, help: 'timed runs of each command' },
  warmup: { value: 3, help: 'untimed runs of each first' },
});

// The CLI of this build lists its commands in --help; without `exec` there is nothing to measure.
const help = spawnSync(process.execPath, [CE_JS, '--help'], { encoding: 'utf8' }).stdout ?? '';
if (!/^\s+exec\b/m.test(help)) {
  console.log('exec.mjs: this build of ce has no `ce exec` command yet (not in `ce --help`); nothing measured.');
  process.exit(0);
}

const nearestRank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

await runBench(async () => {
  const e = await startEngines();
  console.log(`exec: ${o.warmup} warm-up + ${o.runs} timed runs each, order rotating; ${machineLine()}; docker ${e.dockerVersion}`);
  await e.ceChecked(['run', '-d', '--name', 'bench', IMAGE, ...IDLE]);
  await e.dockerChecked(['run', '-d', '--network', 'none', '--name', 'bench', IMAGE, ...IDLE]);
  const lines = {
    'ce exec bench true': () => e.ceChecked(['exec', 'bench', 'true']),
    'docker exec bench true': () => e.dockerChecked(['exec', 'bench', 'true']),
    'ce version': () => e.ceChecked(['version']),
    'docker version': () => e.dockerChecked(['version']),
  };
  const names = Object.keys(lines);
  for (let i = 0; i < o.warmup; i++) for (const n of names) await lines[n]();
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < o.runs; round++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(round + k) % names.length];
      times[n].push((await lines[n]()).ms);
    }
  }
  console.log(`\n| command | median | p90 | min |\n|---|---|---|---|`);
  for (const n of names) {
    const s = times[n].sort((a, b) => a - b);
    console.log(`| ${n} | ${median(s).toFixed(0)} ms | ${nearestRank(s, 0.9).toFixed(0)} ms | ${s[0].toFixed(0)} ms |`);
  }
  const ratio = median(times['ce exec bench true']) / median(times['docker exec bench true']);
  console.log(`\nratio ce/docker (exec, medians): ${ratio.toFixed(2)}× (goal ≤ 1.0×: ${ratio <= 1 ? 'met' : 'not met'})`);
  console.log(`(after: ${machineLine()})`);
});
