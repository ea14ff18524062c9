#!/usr/bin/env node
// `ce logs` against `docker logs` of the same ~100 MB json-file log: one
// busybox container in each engine writes the same lines, then each engine's
// logs command is timed (output to /dev/null), whole log and --tail 10; once
// with the log in one file, once rotated into 10 MB files (all kept).
// ced and dockerd are private to this run, in one temporary folder removed at
// the end. Run as root after `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, statSync, symlinkSync, mkdirSync, copyFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrivateDockerd } from '../tools/lib/private-dockerd.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CE_JS = existsSync(join(REPO, 'packages/cli/dist/ce.mjs')) ? join(REPO, 'packages/cli/dist/ce.mjs') : join(REPO, 'packages/cli/dist/bin/ce.js');
const CED_JS = join(REPO, 'packages/api/dist/bin/ced.js');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const MB = Number(args[args.indexOf('--mb') + 1] || 100) || 100;
const NO_DOCKER = args.includes('--no-docker');
// ~100-byte lines; the json-file entries around them make the log about 1.7x the output, so write MB / 1.7.
const LINE = 'x'.repeat(99);
const LINES = Math.round((MB * 1e6) / 1.7 / 100);
const WORKLOAD = ['sh', '-c', `yes ${LINE} | head -n ${LINES}; echo done >&2`];

function run(cmd, argv, { env, stdout = 'pipe' } = {}) {
  return new Promise((resolvePromise, reject) => {
    const out = stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe';
    const child = spawn(cmd, argv, { env, stdio: ['ignore', out, out] });
    if (typeof out === 'number') closeSync(out);
    let text = '';
    child.stdout?.on('data', (d) => (text += d));
    child.stderr?.on('data', (d) => (text += d));
    const t0 = process.hrtime.bigint();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${text.slice(-2000)}`));
      else resolvePromise({ ms, text });
    });
  });
}

async function until(what, check, ms = 300_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function timeIt(label, cmd, argv, env) {
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push((await run(cmd, argv, { env, stdout: 'null' })).ms);
  times.sort((a, b) => a - b);
  return { label, median: times[Math.floor(times.length / 2)], min: times[0] };
}

/** A busybox root filesystem as a tar file, for docker import. */
function busyboxTar(tmp) {
  const root = join(tmp, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n')) {
    if (a !== 'busybox') symlinkSync('busybox', join(root, 'bin', a));
  }
  const tar = join(tmp, 'rootfs.tar');
  spawnSync('tar', ['-C', root, '-cf', tar, '.'], { stdio: 'inherit' });
  return tar;
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  // Short: the shims' sockets live under it (108-byte limit of a socket path).
  const tmp = await mkdtemp(join(tmpdir(), 'cbl-'));
  const cleanups = [];
  try {
    const tar = busyboxTar(tmp);
    const d = await startPrivateDockerd({ dir: join(tmp, 'docker') });
    cleanups.push(() => d.stop());
    const docker = (argv) => [d.client, [...d.host, ...argv]];
    await run(...docker(['import', '--change', 'CMD ["sh"]', tar, 'bb:latest']), { env: d.env });
    await run(...docker(['save', '-o', join(tmp, 'bb.tar'), 'bb:latest']), { env: d.env });

    const root = join(tmp, 'r');
    const state = join(tmp, 's');
    const sock = join(state, 'ce.sock');
    const ced = spawn(process.execPath, [CED_JS, '--root', root, '--state', state], { stdio: 'ignore' });
    cleanups.push(async () => {
      await run(process.execPath, [CE_JS, '-H', sock, 'rm', '-f', 'logbench', 'logbench-rot']).catch(() => {});
      ced.kill('SIGTERM');
      await new Promise((r) => (ced.exitCode !== null ? r() : ced.once('exit', r)));
    });
    const ce = (argv) => [process.execPath, [CE_JS, '-H', sock, ...argv]];
    await until('ced', async () => existsSync(sock) && (await run(...ce(['version'])).then(() => true, () => false)), 60_000);
    await run(...ce(['load', '-i', join(tmp, 'bb.tar')]));

    // One log kept whole in one file (max-size far above it: ce would otherwise rotate at its
    // 20m x 5 default, Docker never), and the same log rotated into 10 MB files, all kept.
    const cases = [
      { name: 'logbench', opts: ['--log-opt', 'max-size=10g'], label: '' },
      { name: 'logbench-rot', opts: ['--log-opt', 'max-size=10m', '--log-opt', `max-file=${Math.ceil(MB / 10) + 2}`], label: ' (rotated, 10m files)' },
    ];
    const rows = [];
    for (const c of cases) {
      // Both write the log at once; each waits for its own container to end.
      const ceId = (await run(...ce(['run', '-d', '--name', c.name, ...c.opts, 'bb', ...WORKLOAD]))).text.trim();
      await run(...docker(['run', '-d', '--network', 'none', '--name', c.name, ...c.opts, 'bb', ...WORKLOAD]), { env: d.env });
      await run(...docker(['wait', c.name]), { env: d.env });
      await run(...ce(['wait', c.name]));
      const ceFiles = spawnSync('sh', ['-c', `ls ${root}/containers/${ceId}/${ceId}-json.log*`], { encoding: 'utf8' }).stdout.trim().split('\n').filter((f) => !f.endsWith('.rotations'));
      const dockerLog = (await run(...docker(['inspect', '--format', '{{.LogPath}}', c.name]), { env: d.env })).text.trim();
      const dockerFiles = spawnSync('sh', ['-c', `ls ${dockerLog}*`], { encoding: 'utf8' }).stdout.trim().split('\n');
      const size = (files) => files.reduce((n, f) => n + statSync(f).size, 0);
      const ceLines = (await run(...ce(['logs', '--tail', '1', c.name]))).text;
      if (ceLines !== 'done\n') throw new Error(`ce logs --tail 1 printed ${JSON.stringify(ceLines.slice(0, 200))}`);
      const first = (await run(...ce(['logs', c.name]))).text.length;
      const dockerFirst = NO_DOCKER ? first : (await run(...docker(['logs', c.name]), { env: d.env })).text.length;
      if (first !== dockerFirst) throw new Error(`ce logs printed ${first} bytes, docker logs ${dockerFirst}`);
      console.log(
        `${c.name}: ${LINES} lines of ${LINE.length + 1} bytes + 1 on stderr; json-file ce ${(size(ceFiles) / 1e6).toFixed(1)} MB in ${ceFiles.length} files, ` +
          `docker ${(size(dockerFiles) / 1e6).toFixed(1)} MB in ${dockerFiles.length} files; ${RUNS} runs each, output to /dev/null`,
      );
      rows.push(
        await timeIt(`ce logs${c.label}`, ...ce(['logs', c.name])),
        NO_DOCKER ? undefined : await timeIt(`docker logs${c.label}`, ...docker(['logs', c.name]), d.env),
        await timeIt(`ce logs -t${c.label}`, ...ce(['logs', '-t', c.name])),
        NO_DOCKER ? undefined : await timeIt(`docker logs -t${c.label}`, ...docker(['logs', '-t', c.name]), d.env),
        await timeIt(`ce logs --tail 10${c.label}`, ...ce(['logs', '--tail', '10', c.name])),
        NO_DOCKER ? undefined : await timeIt(`docker logs --tail 10${c.label}`, ...docker(['logs', '--tail', '10', c.name]), d.env),
      );
      await run(...docker(['rm', '-f', c.name]), { env: d.env });
    }
    console.log('| command | median ms | min ms |\n|---|---|---|');
    for (const r of rows.filter(Boolean)) console.log(`| ${r.label} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)} |`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${e.message}`));
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
