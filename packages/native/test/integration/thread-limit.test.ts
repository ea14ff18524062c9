// Root-only: a process at its pids limit (the pids cgroup counts threads) gets
// an error from spawnFdsAsync and waitPid, which need a thread each, and lives
// on; std::thread's exception used to abort it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const PIDS = '/sys/fs/cgroup/pids';
const root = process.getuid?.() === 0;
const skipReason = !root ? 'needs root' : !existsSync(join(PIDS, 'cgroup.procs')) ? `needs the v1 pids controller at ${PIDS}` : '';
const index = new URL('../../dist/index.js', import.meta.url).pathname;

// The child takes its own thread count as the limit's, then tries both calls and prints what happened.
const CHILD = `
const native = await import(${JSON.stringify(index)});
process.stdin.once('data', async () => {
  const outcome = (p) => p.then(() => 'ok', (e) => e.code ?? e.message);
  const spawned = await outcome(native.spawnFdsAsync('/bin/true', ['true'], [0, 1, 2]));
  const waited = await outcome(native.waitPid(process.pid + 1000000));
  process.stdout.write(JSON.stringify({ spawned, waited }) + '\\n');
  process.exit(0);
});
process.stdout.write('ready\\n');
`;

describe.skipIf(skipReason !== '')(`threads refused at a pids limit${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const dir = join(PIDS, `ce-test-threads-${process.pid}`);
  afterEach(() => {
    if (existsSync(dir)) rmdirSync(dir);
  });

  it('rejects spawnFdsAsync and waitPid with EAGAIN, and the process goes on', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('ready');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
    writeFileSync(join(dir, 'pids.max'), readFileSync(join(dir, 'pids.current'), 'utf8').trim());
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.write('go\n');
    expect(await exited).toBe(0);
    expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual({ spawned: 'EAGAIN', waited: 'EAGAIN' });
  });
});
