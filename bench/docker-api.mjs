#!/usr/bin/env node
// Issue 12's benchmark: the same docker CLI commands (Debian's 20.10 client)
// against ced's docker.sock and against a private dockerd, from one run:
// `run --rm` (while ced has no attach endpoint: `run -d` + `rm -f`), `ps`
// with 50 containers, `inspect`, and `logs` and `exec` once ced serves them
// (until then skipped, with the reason printed). Each command is timed once
// both engines are idle again (--no-settle: back to back). See bench/README.md.
// Run as root after `npm run build`.
import { request } from 'node:http';
import { join } from 'node:path';
import { IDLE, IMAGE, cpuMsOfThreadsMentioning, inBatches, machineLine, median, parseOptions, run, runBench, settle, startEngines } from './lib/engines.mjs';

const o = parseOptions('docker-api.mjs', {
  runs: { value: 10, help: 'timed runs of each command' },
  warmup: { value: 2, help: 'untimed runs of each first' },
  containers: { value: 50, help: 'idle containers in each engine while ps is timed' },
  'no-settle': { value: false, help: 'time each command right after the previous one, whatever the engines still do' },
});

const nearestRank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

await runBench(async () => {
  const e = await startEngines();
  const client = (await import('../tools/lib/private-dockerd.mjs')).dockerBinaries().client;
  const cedHost = ['-H', `unix://${join(e.tmp, 's', 'docker.sock')}`];
  const env = { ...process.env, DOCKER_CONFIG: join(e.tmp, 'client-config') };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  const engines = {
    ced: (args) => run(client, [...cedHost, ...args], { env }),
    dockerd: (args) => e.docker(args),
  };
  // Each engine's processes (ced and its shim host; dockerd, containerd and its shims), for their CPU per command.
  const engineCpu = { ced: () => cpuMsOfThreadsMentioning(join(e.tmp, 'r'), join(e.tmp, 's', 'shims')), dockerd: () => cpuMsOfThreadsMentioning(join(e.tmp, 'docker', 'data'), join(e.tmp, 'docker', 'exec')) };
  const checked = async (engine, args) => {
    const r = await engines[engine](args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} against ${engine} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  console.log(
    `docker-api: ${o.warmup} warm-up + ${o.runs} timed runs each, order rotating, ${o['no-settle'] ? 'back to back' : 'each after both engines are idle again'}; ${machineLine()}; docker ${e.dockerVersion}`,
  );

  // What ced serves: an endpoint ced lacks answers 404 "page not found"; one it has, "No such container".
  const serves = (method, path) =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath: join(e.tmp, 's', 'docker.sock'), method, path: `/v1.41${path}` }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(!/page not found/.test(body)));
      });
      req.on('error', reject);
      req.end();
    });
  const attach = await serves('POST', '/containers/no-such-container/attach?stream=1&stdout=1');
  const logs = await serves('GET', '/containers/no-such-container/logs?stdout=1');
  const exec = await serves('POST', '/containers/no-such-container/exec');

  for (const engine of Object.keys(engines)) {
    await checked(engine, ['run', '-d', '--network', 'none', '--name', 'bench', '-l', 'bench=1', IMAGE, 'sh', '-c', 'echo ready; exec sleep 86400']);
    await inBatches(
      Array.from({ length: o.containers - 1 }, (_, i) => () => checked(engine, ['run', '-d', '--network', 'none', '--name', `idle${i}`, IMAGE, ...IDLE])),
      8,
    );
  }

  const commands = {};
  if (attach) commands['run --rm'] = (engine) => checked(engine, ['run', '--rm', '--network', 'none', IMAGE, 'true']);
  else {
    console.log('run --rm: ced serves no attach endpoint yet (POST /containers/{id}/attach); timing `run -d` + `rm -f` instead');
    commands['run -d + rm -f'] = async (engine) => {
      const a = await checked(engine, ['run', '-d', '--network', 'none', IMAGE, 'true']);
      const b = await checked(engine, ['rm', '-f', a.stdout.trim()]);
      return { ms: a.ms + b.ms };
    };
  }
  commands[`ps (${o.containers} running)`] = (engine) => checked(engine, ['ps']);
  commands['ps -a'] = (engine) => checked(engine, ['ps', '-a']);
  commands.inspect = (engine) => checked(engine, ['inspect', 'bench']);
  if (logs) commands.logs = (engine) => checked(engine, ['logs', 'bench']);
  else console.log('logs: ced serves no logs endpoint yet (GET /containers/{id}/logs); skipped');
  if (exec) commands['exec true'] = (engine) => checked(engine, ['exec', 'bench', 'true']);
  else console.log('exec: ced serves no exec endpoints yet (POST /containers/{id}/exec); skipped');
  commands.version = (engine) => checked(engine, ['version']);

  const lines = Object.entries(commands).flatMap(([name, fn]) =>
    Object.keys(engines).map((engine) => ({
      name,
      engine,
      fn: async () => {
        const before = engineCpu[engine]();
        const r = await fn(engine);
        return { ...r, cpu: engineCpu[engine]() - before };
      },
    })),
  );
  // A command leaves work behind (after a run, ced starts its next spare shim: ~150 ms of CPU): the next
  // command, of either engine, would pay for it. Both engines' processes mention e.tmp.
  const settled = [];
  const timed = async (l) => {
    if (!o['no-settle']) settled.push(await settle(e.tmp));
    return l.fn();
  };
  for (let i = 0; i < o.warmup; i++) for (const l of lines) await timed(l);
  const times = lines.map(() => []);
  const cpus = lines.map(() => []);
  for (let round = 0; round < o.runs; round++) {
    for (let k = 0; k < lines.length; k++) {
      const i = (round + k) % lines.length;
      const r = await timed(lines[i]);
      times[i].push(r.ms);
      cpus[i].push(r.cpu);
    }
  }
  console.log(`\n| command | ced median | dockerd median | ced/dockerd | ced p90 | dockerd p90 | ced CPU | dockerd CPU |\n|---|---|---|---|---|---|---|---|`);
  for (const name of Object.keys(commands)) {
    const at = (engine) => lines.findIndex((l) => l.name === name && l.engine === engine);
    const [c, d] = ['ced', 'dockerd'].map((engine) => times[at(engine)].sort((a, b) => a - b));
    const [cc, dc] = ['ced', 'dockerd'].map((engine) => cpus[at(engine)].sort((a, b) => a - b));
    console.log(
      `| ${name} | ${median(c).toFixed(0)} ms | ${median(d).toFixed(0)} ms | ${(median(c) / median(d)).toFixed(2)}× | ${nearestRank(c, 0.9).toFixed(0)} ms | ${nearestRank(d, 0.9).toFixed(0)} ms | ${median(cc).toFixed(2)} ms | ${median(dc).toFixed(2)} ms |`,
    );
  }
  console.log("\n(CPU: the engine's processes' CPU time from before the command to after it, median; a process that exits meanwhile, such as a container's, drops out of it)");
  if (settled.length) console.log(`\nwaited for the engines to be idle before each command: median ${median(settled).toFixed(0)} ms, max ${Math.max(...settled)} ms`);
  console.log(`\ngoal: run --rm ≤ 0.5× dockerd, no command slower (≤ 1.0×)`);
  console.log(`(after: ${machineLine()})`);
});
