#!/usr/bin/env node
// Build: `ce build` against `docker build` with Docker 20.10's classic
// builder (DOCKER_BUILDKIT=0, a private dockerd), the same Dockerfile and
// context, in the same run: a cold build (--no-cache), a rebuild with every
// step from the cache, and a rebuild after a one-line change of a copied
// source file (the steps before its COPY from the cache). See bench/README.md.
//
//   node bench/build.mjs [--runs N] [--warmup N]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE, machineLine, median, parseOptions, runBench, startEngines } from './lib/engines.mjs';

const o = parseOptions('build.mjs', {
  runs: { value: 5, help: 'timed runs of each case and engine' },
  warmup: { value: 1, help: 'untimed runs of each first' },
});

// The classic builder, as issue 13 compares against it; read by the private dockerd's client environment.
process.env.DOCKER_BUILDKIT = '0';

const DOCKERFILE = `FROM ${IMAGE}
ENV APP=/srv/app
WORKDIR /srv/app
RUN mkdir -p data && for i in 1 2 3 4 5 6 7 8; do echo "line $i" > data/$i.txt; done
COPY lib/ ./lib/
COPY main.sh ./
RUN sh main.sh > out.txt
CMD ["cat", "out.txt"]
`;

await runBench(async () => {
  const e = await startEngines();
  const ctx = join(e.tmp, 'ctx');
  await mkdir(join(ctx, 'lib'), { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
  for (let i = 0; i < 50; i++) await writeFile(join(ctx, 'lib', `mod${i}.sh`), `echo module ${i}\n`.repeat(20));
  let version = 0;
  const touchSource = () => writeFile(join(ctx, 'main.sh'), `echo version ${++version}\ncat lib/mod1.sh | wc -l\n`);
  await touchSource();
  console.log(`build: ${o.warmup} warm-up + ${o.runs} timed runs of each case, engines alternating; ${machineLine()}; docker ${e.dockerVersion} (DOCKER_BUILDKIT=0)`);

  const build = (engine, extra = []) => (engine === 'ce' ? e.ceChecked : e.dockerChecked)(['build', '--network', 'none', ...extra, '-t', 'bench-build:1', ctx]);
  const cases = {
    // The floor of every command: the CLI's start-up and one round trip.
    'version (floor)': (engine) => (engine === 'ce' ? e.ceChecked : e.dockerChecked)(['version']),
    'cold (--no-cache)': (engine) => build(engine, ['--no-cache']),
    'full-cache rebuild': (engine) => build(engine),
    'one-line source change': async (engine) => {
      await touchSource();
      // Both engines see the same change: the other one builds it untimed first.
      const other = engine === 'ce' ? 'docker' : 'ce';
      const timed = await build(engine);
      await build(other);
      return timed;
    },
  };
  const results = {};
  for (const [name, fn] of Object.entries(cases)) {
    for (let i = 0; i < o.warmup; i++) for (const engine of ['ce', 'docker']) await fn(engine);
    const times = { ce: [], docker: [] };
    for (let round = 0; round < o.runs; round++) {
      for (const engine of round % 2 ? ['docker', 'ce'] : ['ce', 'docker']) {
        const r = await fn(engine);
        if (name === 'full-cache rebuild' && !/Using cache/.test(r.stdout)) throw new Error(`${engine}: a full-cache rebuild used no cache:\n${r.stdout}`);
        times[engine].push(r.ms);
      }
    }
    results[name] = times;
  }
  console.log('\n| case | ce median | docker median | ce/docker |\n|---|---|---|---|');
  for (const [name, t] of Object.entries(results)) {
    const [c, d] = [median(t.ce.sort((a, b) => a - b)), median(t.docker.sort((a, b) => a - b))];
    console.log(`| ${name} | ${c.toFixed(0)} ms | ${d.toFixed(0)} ms | ${(c / d).toFixed(2)}× |`);
  }
  console.log(`\ngoal (issue 13): each build ≤ 1.0× of Docker's time. (after: ${machineLine()})`);
});
