// Root-only: the real ce-runc command (bin/ce-runc.mjs → dist/ce-runc.mjs) against a busybox bundle.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { pipe } from '@ce/native';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cgroupDirs, Fixture, isRoot } from './helpers.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const ceRuncBin = join(packageDir, 'bin/ce-runc.mjs');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let seq = 0;

/**
 * Runs ce-runc with stdout/stderr going to files, as containerd gives it fds:
 * a container it starts inherits them, so waiting for pipes to close would
 * wait for the container.
 */
function ceRunc(
  f: Fixture,
  args: string[],
  opts: { input?: string; root?: boolean; onSpawn?: (pid: number, stdoutPath: string) => void; extraFds?: number[] } = {},
): Promise<Result> {
  const n = ++seq;
  const outPath = join(f.dir, `out-${n}`);
  const errPath = join(f.dir, `err-${n}`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const argv = opts.root === false ? args : ['--root', f.stateRoot, ...args];
  const stdio = [opts.input === undefined ? 'ignore' : 'pipe', out, err, ...(opts.extraFds ?? [])] as ('ignore' | 'pipe' | number)[];
  const child = spawn(process.execPath, [ceRuncBin, ...argv], { stdio, cwd: f.dir });
  closeSync(out);
  closeSync(err);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  opts.onSpawn?.(child.pid!, outPath);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') }));
  });
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!isRoot)('ce-runc (root)', () => {
  let f: Fixture;
  const pids: number[] = [];
  beforeAll(() => {
    if (!existsSync(join(packageDir, 'dist/ce-runc.mjs'))) throw new Error('dist/ce-runc.mjs is missing: run `npm run build -w @ce/runtime` first');
  });
  beforeEach(() => {
    f = new Fixture();
    pids.length = 0;
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
    // the containers ce-runc started were reparented away from this process: check them by pid
    expect(pids.filter(alive)).toEqual([]);
  });

  const state = async (id: string) => JSON.parse((await ceRunc(f, ['state', id])).stdout) as Record<string, unknown>;

  it('create leaves the init waiting after ce-runc exits; start, state, kill, delete as runc', async () => {
    f.writeSpec(['sh', '-c', 'echo started; exec sleep 100'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.annotations = { 'org.example': 'x' };
    });
    const pidFile = join(f.dir, 'init.pid');
    const created = await ceRunc(f, ['create', '--bundle', f.bundle, '--pid-file', pidFile, 'c1']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    pids.push(pid);
    expect(alive(pid)).toBe(true);
    const st = await state('c1');
    expect(Object.keys(st)).toEqual(['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner', 'annotations']);
    expect(st).toMatchObject({ id: 'c1', pid, status: 'created', bundle: f.bundle, rootfs: f.rootfs, annotations: { 'org.example': 'x' } });

    expect(await ceRunc(f, ['start', 'c1'])).toMatchObject({ code: 0 });
    expect(await state('c1')).toMatchObject({ status: 'running', pid });
    // the container's stdout is the fd ce-runc create was given
    const createOut = join(f.dir, 'out-1');
    await waitFor(() => readFileSync(createOut, 'utf8') === 'started\n', 'the container to write to create\'s stdout');
    expect(await ceRunc(f, ['start', 'c1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot start an already running container') });

    expect(await ceRunc(f, ['delete', 'c1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot delete container c1 that is not stopped: running') });
    expect(await ceRunc(f, ['kill', 'c1', 'KILL'])).toMatchObject({ code: 0 });
    await waitFor(async () => (await state('c1')).status === 'stopped', 'the container to stop');
    expect(await state('c1')).toMatchObject({ status: 'stopped', pid: 0 });
    // containerd's shim takes this message as "already exited"
    expect(await ceRunc(f, ['kill', 'c1', '9'])).toMatchObject({ code: 1, stderr: expect.stringContaining('container not running') });
    expect(await ceRunc(f, ['delete', 'c1'])).toMatchObject({ code: 0 });
    expect(existsSync(join(f.stateRoot, 'c1'))).toBe(false);
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
  });

  it('run in the foreground passes stdio through and exits with the container\'s status', async () => {
    f.writeSpec(['sh', '-c', 'read x; echo "out $x"; echo err >&2; exit 7'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const r = await ceRunc(f, ['run', '-b', f.bundle, 'r1'], { input: 'hello\n' });
    expect(r).toEqual({ code: 7, stdout: 'out hello\n', stderr: 'err\n' });
    // removed after it exited (no --keep)
    expect(JSON.parse((await ceRunc(f, ['list', '--format', 'json'])).stdout)).toBeNull();

    // signals ce-runc receives go to the container's process
    f.writeSpec(['sh', '-c', 'trap "echo got TERM; exit 42" TERM; echo ready; while true; do sleep 0.05; done'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
    let runPid = 0;
    let runOut = '';
    const running = ceRunc(f, ['run', '--keep', '-b', f.bundle, 'r2'], {
      onSpawn: (pid, out) => {
        runPid = pid;
        runOut = out;
      },
    });
    await waitFor(() => readFileSync(runOut, 'utf8') === 'ready\n', 'the trap to be set');
    process.kill(runPid, 'SIGTERM');
    expect(await running).toMatchObject({ code: 42, stdout: 'ready\ngot TERM\n' });
    expect(await state('r2')).toMatchObject({ status: 'stopped' });
    expect((await ceRunc(f, ['delete', 'r2'])).code).toBe(0);
  });

  it('run in the foreground with process.terminal and no console socket holds the pty itself and copies it (runc)', async () => {
    f.writeSpec(['sh', '-c', 'tty; echo "in a terminal"; exit 3'], (s) => {
      s.process!.terminal = true;
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const r = await ceRunc(f, ['run', '-b', f.bundle, 't1']);
    expect(r.code).toBe(3);
    expect(r.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\nin a terminal\n');
    expect(r.stderr).toBe('');
    // detached, a terminal still needs somewhere to go
    const d = await ceRunc(f, ['run', '-d', '-b', f.bundle, 't2']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/process.terminal is true but there is no console socket/);
  });

  it('--preserve-fds 1 gives the container ce-runc\'s fd 3 as its own fd 3', async () => {
    f.writeSpec(['sh', '-c', 'echo through-fd-3 >&3'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const [r, w] = pipe();
    try {
      const res = await ceRunc(f, ['run', '--preserve-fds', '1', '-b', f.bundle, 'p1'], { extraFds: [w] });
      closeSync(w);
      expect(res).toEqual({ code: 0, stdout: '', stderr: '' });
      const buf = Buffer.alloc(256);
      expect(buf.subarray(0, readSync(r, buf)).toString()).toBe('through-fd-3\n');
    } finally {
      closeSync(r);
    }
  });

  it('run -d, exec, ps, pause/resume, update, events --stats, list, delete --force', async () => {
    f.writeSpec(['sleep', '100'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 128 << 20 } };
    });
    const pidFile = join(f.dir, 'init.pid');
    expect(await ceRunc(f, ['run', '-d', '--pid-file', pidFile, '-b', f.bundle, 'd1'])).toMatchObject({ code: 0, stderr: '' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    pids.push(pid);
    expect(await state('d1')).toMatchObject({ status: 'running', pid });

    const ex = await ceRunc(f, ['exec', '-e', 'GREETING=hi', '--cwd', '/tmp', '-u', '1000:1000', 'd1', 'sh', '-c', 'echo $GREETING $(pwd) $(id -u):$(id -g); exit 4']);
    expect(ex).toEqual({ code: 4, stdout: 'hi /tmp 1000:1000\n', stderr: '' });
    const procFile = join(f.dir, 'process.json');
    writeFileSync(procFile, JSON.stringify({ args: ['sleep', '100'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }));
    const execPidFile = join(f.dir, 'exec.pid');
    expect(await ceRunc(f, ['exec', '--process', procFile, '--detach', '--pid-file', execPidFile, 'd1'])).toMatchObject({ code: 0 });
    const execPid = Number(readFileSync(execPidFile, 'utf8'));
    pids.push(execPid);
    expect(alive(execPid)).toBe(true);

    expect(JSON.parse((await ceRunc(f, ['ps', '--format', 'json', 'd1'])).stdout).sort()).toEqual([pid, execPid].sort());
    const table = (await ceRunc(f, ['ps', 'd1', '-o', 'pid,comm'])).stdout.trim().split('\n');
    expect(table[0]!.trim()).toBe('PID COMMAND');
    expect(table.slice(1).map((l) => l.trim().split(/\s+/)[0]).map(Number).sort()).toEqual([pid, execPid].sort());

    expect((await ceRunc(f, ['pause', 'd1'])).code).toBe(0);
    expect(await state('d1')).toMatchObject({ status: 'paused' });
    expect(await ceRunc(f, ['exec', 'd1', 'true'])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot exec in a paused container') });
    expect((await ceRunc(f, ['resume', 'd1'])).code).toBe(0);
    expect(await ceRunc(f, ['resume', 'd1'])).toMatchObject({ code: 1, stderr: expect.stringContaining('container not paused') });

    expect(await ceRunc(f, ['update', '--memory', '64m', '--pids-limit', '30', 'd1'])).toMatchObject({ code: 0, stderr: '' });
    const ev = await ceRunc(f, ['events', '--stats', 'd1']);
    expect(ev.code).toBe(0);
    const lines = ev.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const e = JSON.parse(lines[0]!);
    expect(e).toMatchObject({ type: 'stats', id: 'd1', data: { memory: { usage: { limit: 64 << 20 } }, pids: { current: 2, limit: 30 } } });
    expect(e.data.cpu.usage.total).toBeGreaterThan(0);
    expect(await ceRunc(f, ['update', '-r', '-', 'd1'], { input: '{"pids":{"limit":25}}' })).toMatchObject({ code: 0 });
    expect(JSON.parse((await ceRunc(f, ['events', '--stats', 'd1'])).stdout).data.pids.limit).toBe(25);
    expect(await ceRunc(f, ['update', '-r', '-', 'd1'], { input: '{"pids":{"limit":"many"}}' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('linux.resources.pids.limit: must be an integer'),
    });

    const listed = JSON.parse((await ceRunc(f, ['list', '--format', 'json'])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id: 'd1', pid, status: 'running', owner: 'root', bundle: f.bundle })]);
    expect((await ceRunc(f, ['ls', '-q'])).stdout).toBe('d1\n');
    expect((await ceRunc(f, ['list'])).stdout).toMatch(/^ID {10}PID {9}STATUS {6}BUNDLE +CREATED +OWNER\nd1 {10}\d+ +running +\//);

    expect(await ceRunc(f, ['delete', '--force', 'd1'])).toMatchObject({ code: 0 });
    await waitFor(() => !alive(pid) && !alive(execPid), 'the container processes to die');
    expect((await ceRunc(f, ['list', '-q'])).stdout).toBe('');
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
  });

  it('events streams stats and an oom line, and ends when the container stops', async () => {
    f.writeSpec(['sh', '-c', 'sleep 0.5; a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 16 << 20 } };
    });
    const pidFile = join(f.dir, 'init.pid');
    expect((await ceRunc(f, ['run', '-d', '--pid-file', pidFile, '-b', f.bundle, 'e1'])).code).toBe(0);
    pids.push(Number(readFileSync(pidFile, 'utf8')));
    const ev = await ceRunc(f, ['events', '--interval', '10s', 'e1']);
    expect(ev.code).toBe(0);
    const lines = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string });
    expect(lines[0]).toMatchObject({ type: 'stats', id: 'e1' });
    expect(lines).toContainEqual({ type: 'oom', id: 'e1' });
    expect(await state('e1')).toMatchObject({ status: 'stopped' });
    expect((await ceRunc(f, ['delete', 'e1'])).code).toBe(0);
  });

  it("runs runc spec's example config as written, but for the terminal", async () => {
    expect((await ceRunc(f, ['spec', '-b', f.bundle], { root: false })).code).toBe(0);
    const config = JSON.parse(readFileSync(join(f.bundle, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = ['sh', '-c', 'grep -E "^Cap(Eff|Amb)" /proc/self/status; hostname'];
    writeFileSync(join(f.bundle, 'config.json'), JSON.stringify(config));
    const r = await ceRunc(f, ['run', '-b', f.bundle, 'ex1']);
    // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE; the ambient ones are not inheritable, so none
    expect(r).toEqual({ code: 0, stdout: 'CapEff:\t0000000020000420\nCapAmb:\t0000000000000000\nrunc\n', stderr: '' });
  });

  it('errors: unknown container (text and json log), bad config naming the JSON path, id in use, spec twice', async () => {
    const missing = await ceRunc(f, ['state', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^time="[^"]+Z" level=error msg="container does not exist"\n$/);
    const log = join(f.dir, 'log.json');
    const withLog = await ceRunc(f, ['--log', log, '--log-format', 'json', 'kill', 'nope', 'KILL']);
    expect(withLog).toMatchObject({ code: 1, stderr: 'container does not exist\n' });
    expect(JSON.parse(readFileSync(log, 'utf8').trim())).toMatchObject({ level: 'error', msg: 'container does not exist' });
    expect(await ceRunc(f, ['delete', '--force', 'nope'])).toMatchObject({ code: 0 });

    f.writeSpec(['true'], (s) => {
      (s.process as unknown as Record<string, unknown>).cwd = 42;
    });
    const bad = await ceRunc(f, ['create', '-b', f.bundle, 'bad1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('process.cwd: must be');
    expect(existsSync(join(f.stateRoot, 'bad1'))).toBe(false);

    f.writeSpec(['sleep', '100']);
    expect((await ceRunc(f, ['create', '-b', f.bundle, '--pid-file', join(f.dir, 'p'), 'same'])).code).toBe(0);
    pids.push(Number(readFileSync(join(f.dir, 'p'), 'utf8')));
    expect(await ceRunc(f, ['create', '-b', f.bundle, 'same'])).toMatchObject({ code: 1, stderr: expect.stringContaining('container same already exists') });
    expect((await ceRunc(f, ['delete', 'same'])).code).toBe(0);

    const specDir = join(f.dir, 'spec');
    mkdirSync(specDir);
    expect((await ceRunc(f, ['spec', '--bundle', specDir], { root: false })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(specDir, 'config.json'), 'utf8'))).toMatchObject({ ociVersion: '1.0.2-dev', process: { args: ['sh'] }, hostname: 'runc' });
    expect(await ceRunc(f, ['spec', '--bundle', specDir], { root: false })).toMatchObject({ code: 1, stderr: expect.stringContaining('File config.json exists') });
    expect(await ceRunc(f, ['exec', 'nope'])).toMatchObject({ code: 1 });
    expect(JSON.parse((await ceRunc(f, ['features'], { root: false })).stdout)).toMatchObject({ ociVersionMin: '1.0.0', linux: { cgroup: { systemd: false } } });
  });
});
