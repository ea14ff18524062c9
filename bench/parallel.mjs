#!/usr/bin/env node
// Parallel start: the wall time to start N detached containers at once
// (N `ce run -d` against N `docker run -d --network none`, all spawned
// together), and N parallel `ce version` / `docker version` as the floor of
// the clients alone. See bench/README.md. Run as root after `npm run build`.
import { IDLE, IMAGE, allAtOnce, machineLine, median, parseOptions, removeAll, runBench, startEngines } from './lib/engines.mjs';

const o = parseOptions(
  'parallel.mjs',
  {
    count: { value: 50, help: 'containers (and version calls) at once' },
    runs: { value: 1, help: 'rounds; every round runs each line once, order alternating' },
  },
  { '-n': 'count' },
);

function failures(results) {
  const bad = results.filter((r) => r.code !== 0);
  return bad.length ? `${bad.length} of ${results.length} failed, first: exit ${bad[0].code}: ${(bad[0].stderr || bad[0].stdout).trim().slice(0, 500)}` : null;
}

await runBench(async () => {
  const e = await startEngines();
  console.log(`parallel: ${o.count} at once, ${o.runs} round(s); ${machineLine()}; docker ${e.dockerVersion}`);
  const lines = {
    'ce version': async () => allAtOnce(Array.from({ length: o.count }, () => () => e.ce(['version']))),
    'docker version': async () => allAtOnce(Array.from({ length: o.count }, () => () => e.docker(['version']))),
    'ce run -d': async (round) => {
      const r = await allAtOnce(Array.from({ length: o.count }, (_, i) => () => e.ce(['run', '-d', '--name', `p${round}-${i}`, IMAGE, ...IDLE])));
      const running = (await e.ceChecked(['ps', '-q'])).stdout.trim().split('\n').filter(Boolean).length;
      if (running !== o.count && !failures(r.results)) throw new Error(`ce: ${running} of ${o.count} containers running after ce run -d`);
      return r;
    },
    'docker run -d': async (round) => {
      const r = await allAtOnce(Array.from({ length: o.count }, (_, i) => () => e.docker(['run', '-d', '--network', 'none', '--name', `p${round}-${i}`, IMAGE, ...IDLE])));
      const running = (await e.dockerChecked(['ps', '-q'])).stdout.trim().split('\n').filter(Boolean).length;
      if (running !== o.count && !failures(r.results)) throw new Error(`docker: ${running} of ${o.count} containers running after docker run -d`);
      return r;
    },
  };
  const times = Object.fromEntries(Object.keys(lines).map((k) => [k, []]));
  for (let round = 0; round < o.runs; round++) {
    const order = round % 2 ? ['docker version', 'ce version', 'docker run -d', 'ce run -d'] : ['ce version', 'docker version', 'ce run -d', 'docker run -d'];
    for (const name of order) {
      const r = await lines[name](round);
      const failed = failures(r.results);
      if (failed) throw new Error(`${name}: ${failed}`);
      times[name].push(r.ms);
      if (name.endsWith('run -d')) await removeAll(e);
    }
  }
  console.log(`\n| ${o.count} at once | median | min | runs |\n|---|---|---|---|`);
  for (const [name, t] of Object.entries(times)) console.log(`| ${name} | ${(median(t) / 1000).toFixed(2)} s | ${(Math.min(...t) / 1000).toFixed(2)} s | ${t.map((ms) => (ms / 1000).toFixed(2)).join(' ')} |`);
  const ratio = median(times['ce run -d']) / median(times['docker run -d']);
  console.log(`\nratio ce/docker (run -d, medians): ${ratio.toFixed(2)}× (goal ≤ 0.7×: ${ratio <= 0.7 ? 'met' : 'not met'}); version floor ce/docker ${(median(times['ce version']) / median(times['docker version'])).toFixed(2)}×`);
  console.log(`(after: ${machineLine()})`);
});
