#!/usr/bin/env node
// Storage (issue 11): `cp` of 100 MiB in and out of a running container (one
// file, and a tree of many files), `commit` of a container whose writable
// layer changed 100 MiB, and `run --rm -v vol:/data` (an existing named volume,
// and the first use that creates it), ce against a private dockerd with the
// same busybox image, from one run. Each timed command starts after `sync`
// and with both engines idle. See bench/README.md. Run as root after `npm run build`.
//
//   node bench/storage.mjs [--runs N] [--warmup N] [--mib N] [--files N]
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { IDLE, IMAGE, machineLine, median, parseOptions, runBench, settle, startEngines } from './lib/engines.mjs';

const o = parseOptions('storage.mjs', {
  runs: { value: 10, help: 'timed rounds (each runs every case once per engine)' },
  warmup: { value: 1, help: 'untimed rounds first' },
  mib: { value: 100, help: 'MiB copied and committed' },
  files: { value: 1000, help: 'files of the tree line (the same MiB in all)' },
});

const GOAL = 1.0; // issue 11: each ≤ Docker's time
const ENGINES = ['ce', 'docker'];
const NONE = ['--network', 'none'];
const nearestRank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/** `bytes` of content: the first half random (incompressible), the second lines of text. */
function payload(bytes) {
  const half = Math.floor(bytes / 2);
  const line = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789 ce storage bench\n');
  const text = Buffer.alloc(bytes - half);
  for (let off = 0; off < text.length; off += line.length) line.copy(text, off, 0, Math.min(line.length, text.length - off));
  return Buffer.concat([randomBytes(half), text]);
}

/** The host side: one file of `bytes`, and a tree of `files` files holding the same bytes in 10 folders. */
function hostData(dir, bytes, files) {
  const data = payload(bytes);
  const file = join(dir, 'data.bin');
  const fd = openSync(file, 'w');
  writeSync(fd, data);
  closeSync(fd);
  const tree = join(dir, 'tree');
  const per = Math.ceil(bytes / files);
  for (let i = 0; i < files; i++) {
    const sub = join(tree, `d${i % 10}`);
    if (i < 10) mkdirSync(sub, { recursive: true });
    const fd = openSync(join(sub, `f${i}.dat`), 'w');
    writeSync(fd, data.subarray(i * per, Math.min(bytes, (i + 1) * per)));
    closeSync(fd);
  }
  return { file, tree };
}

/** Bytes under `path` on the host (files only), to check a copy arrived whole. */
function bytesUnder(path) {
  const r = spawnSync('du', ['-sb', '--apparent-size', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`du ${path}: ${r.stderr}`);
  return Number(r.stdout.split('\t')[0]);
}

await runBench(async () => {
  // No default bridge, no firewall chains (nothing shared with a ced of the host); both engines' containers on --network none.
  const e = await startEngines({ cedArgs: ['--bridge', 'none', '--iptables=false'] });
  const bytes = o.mib * 1024 * 1024;
  const host = join(e.tmp, 'host');
  mkdirSync(host);
  const src = hostData(host, bytes, o.files);
  const treeBytes = bytesUnder(src.tree);
  const out = join(e.tmp, 'out');
  mkdirSync(out);

  const cli = { ce: e.ceChecked, docker: e.dockerChecked };
  console.log(
    `storage: ${o.warmup} warm-up + ${o.runs} timed rounds, every case once per engine each round, the engine going first alternating, each command after \`sync\` with both engines idle; ${o.mib} MiB (half random, half text), tree of ${o.files} files; ${machineLine()}; docker ${e.dockerVersion}`,
  );

  // The containers the cases work on, in each engine: `cpbench` (cp's source and target) and
  // `commitsrc`, whose writable layer gets the 100 MiB file once, untimed.
  for (const engine of ENGINES) {
    await cli[engine](['run', '-d', ...NONE, '--name', 'cpbench', IMAGE, ...IDLE]);
    await cli[engine](['run', '-d', ...NONE, '--name', 'commitsrc', IMAGE, ...IDLE]);
    await cli[engine](['cp', src.file, 'commitsrc:/data.bin']);
    await cli[engine](['volume', 'create', 'benchvol']);
  }
  let fresh = 0;

  const checkSize = async (engine, path, expected) => {
    const r = await cli[engine](['exec', 'cpbench', 'du', '-s', '-k', path]);
    const kib = Number(r.stdout.split('\t')[0]);
    if (!(kib >= expected / 1024)) throw new Error(`${engine}: ${path} holds ${kib} KiB after the copy, expected ${expected / 1024}`);
  };
  const cases = [
    { name: 'version (floor)', run: (engine) => cli[engine](['version']) },
    {
      name: `cp ${o.mib} MiB file in`,
      before: (engine) => cli[engine](['exec', 'cpbench', 'rm', '-f', '/tmp/data.bin']),
      run: (engine) => cli[engine](['cp', src.file, 'cpbench:/tmp/data.bin']),
      after: (engine) => checkSize(engine, '/tmp/data.bin', bytes),
    },
    {
      name: `cp ${o.mib} MiB file out`,
      before: () => rmSync(join(out, 'data.bin'), { force: true }),
      run: (engine) => cli[engine](['cp', 'cpbench:/tmp/data.bin', join(out, 'data.bin')]),
      after: (engine) => {
        if (statSync(join(out, 'data.bin')).size !== bytes) throw new Error(`${engine}: cp out wrote ${statSync(join(out, 'data.bin')).size} bytes, expected ${bytes}`);
      },
    },
    {
      name: `cp tree in (${o.files} files)`,
      before: (engine) => cli[engine](['exec', 'cpbench', 'rm', '-rf', '/tmp/tree']),
      run: (engine) => cli[engine](['cp', src.tree, 'cpbench:/tmp/tree']),
      after: (engine) => checkSize(engine, '/tmp/tree', treeBytes),
    },
    {
      name: `cp tree out (${o.files} files)`,
      before: () => rmSync(join(out, 'tree'), { recursive: true, force: true }),
      run: (engine) => cli[engine](['cp', 'cpbench:/tmp/tree', join(out, 'tree')]),
      after: (engine) => {
        const got = bytesUnder(join(out, 'tree'));
        if (got < treeBytes) throw new Error(`${engine}: cp of the tree out wrote ${got} bytes, expected ${treeBytes}`);
      },
    },
    {
      name: `commit (${o.mib} MiB changed)`,
      run: (engine) => cli[engine](['commit', 'commitsrc', 'bench-commit:latest']),
      // Each commit makes a new image: the last one goes, with its layer.
      after: (engine) => cli[engine](['rmi', 'bench-commit:latest']),
    },
    { name: 'run --rm -v vol:/data (existing)', run: (engine) => cli[engine](['run', '--rm', ...NONE, '-v', 'benchvol:/data', IMAGE, 'true']) },
    {
      name: 'run --rm -v vol:/data (creates it)',
      before: () => (fresh += 1),
      run: (engine) => cli[engine](['run', '--rm', ...NONE, '-v', `benchnew${fresh}:/data`, IMAGE, 'true']),
      after: (engine) => cli[engine](['volume', 'rm', `benchnew${fresh}`]),
    },
  ];

  const times = new Map(cases.map((c) => [c.name, { ce: [], docker: [], load: [] }]));
  const timed = async (c, engine, record) => {
    await c.before?.(engine);
    spawnSync('sync');
    await settle(e.tmp);
    const load = loadavg()[0];
    const r = await c.run(engine);
    await c.after?.(engine);
    if (record) {
      times.get(c.name)[engine].push(r.ms);
      times.get(c.name).load.push(load);
    }
  };
  for (let round = 0; round < o.warmup + o.runs; round++) {
    const order = round % 2 ? ['docker', 'ce'] : ['ce', 'docker'];
    for (const c of cases) for (const engine of order) await timed(c, engine, round >= o.warmup);
  }

  console.log(`\n| case | ce median | docker median | ce/docker | ce p90 | docker p90 | ce min | docker min | load (1 min) |\n|---|---|---|---|---|---|---|---|---|`);
  const ratios = [];
  for (const c of cases) {
    const t = times.get(c.name);
    const [ce, docker] = [t.ce.sort((a, b) => a - b), t.docker.sort((a, b) => a - b)];
    const ratio = median(ce) / median(docker);
    if (c.name !== 'version (floor)') ratios.push([c.name, ratio]);
    const loads = t.load.sort((a, b) => a - b);
    console.log(
      `| ${c.name} | ${median(ce).toFixed(0)} ms | ${median(docker).toFixed(0)} ms | ${ratio.toFixed(2)}× | ${nearestRank(ce, 0.9).toFixed(0)} ms | ${nearestRank(docker, 0.9).toFixed(0)} ms | ${ce[0].toFixed(0)} ms | ${docker[0].toFixed(0)} ms | ${loads[0].toFixed(1)}–${loads.at(-1).toFixed(1)} |`,
    );
  }
  const missed = ratios.filter(([, r]) => r > GOAL);
  console.log(`\ngoal (issue 11): each ≤ ${GOAL.toFixed(1)}× Docker's time: ${missed.length ? `not met by ${missed.map(([n, r]) => `${n} (${r.toFixed(2)}×)`).join(', ')}` : 'met by every case'}`);
  let cedLog = '';
  try {
    cedLog = readFileSync(e.cedLog, 'utf8');
  } catch {}
  const logged = cedLog
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l));
  if (logged.length) console.log(`\nced logged ${logged.length} warning(s)/error(s), the first: ${logged[0].slice(0, 400)}`);
  console.log(`(after: ${machineLine()})`);
});
