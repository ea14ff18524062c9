// Root-only: containers under ce-monitor (decision 0029), which holds their
// stdio, writes their json-file log and exit status, serves attach and
// outlives the process that created them.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitPid } from '@ce/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';
import { Fixture, isRoot } from './helpers.js';
import { isAlive, until } from '../../../../tools/test/container-fixtures.js';

const fixtureScript = join(import.meta.dirname, 'fixtures', 'create-under-monitor.mjs');
const runtimeBuilt = existsSync(join(import.meta.dirname, '../../dist/index.js'));

interface Entry {
  log: string;
  stream: string;
  time: string;
}

function logEntries(path: string): Entry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
}

/** Stdin as the monitor's attach takes it: length-prefixed frames, an empty one closing the stdin. */
function stdinFrames(text: string, close: boolean): Buffer {
  const data = Buffer.from(text);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  return Buffer.concat([head, data, ...(close ? [Buffer.alloc(4)] : [])]);
}

/** One request on the monitor's socket; resolves with everything it answered. */
function request(socket: string, line: string, send?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(socket, () => {
      s.write(line + '\n');
      if (send) s.end(send);
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Docker's stdcopy frames → [stream, text] pairs, after the attach's acknowledgement (an empty frame of stream 0). */
function frames(data: Buffer): Array<[number, string]> {
  expect([...data.subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  const out: Array<[number, string]> = [];
  for (let at = 8; at + 8 <= data.length; ) {
    const len = data.readUInt32BE(at + 4);
    out.push([data[at]!, data.subarray(at + 8, at + 8 + len).toString('utf8')]);
    at += 8 + len;
  }
  return out;
}

describe.skipIf(!isRoot)('a container under ce-monitor (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  /** A started container that sleeps, for the exec tests: `use` gets the path for its exec monitor's socket; the container is killed after. */
  async function inSleepingContainer(id: string, use: (socket: string) => Promise<void>, mut?: (s: Spec) => void): Promise<void> {
    f.writeSpec(['sleep', '30'], mut);
    const init = await f.rt.create(id, f.bundle);
    await f.rt.start(id);
    try {
      await use(join(f.dir, 'e.sock'));
    } finally {
      await f.rt.kill(id, 'KILL');
      await init.exited;
    }
  }

  it('writes the json-file log and the exit status itself', async () => {
    f.writeSpec(['sh', '-c', 'echo out; echo "err \\"quoted\\"" >&2; printf "no newline"; exit 3']);
    const log = join(f.dir, 'c1.log');
    const c = await f.rt.create('c1', f.bundle, { monitor: { socket: join(f.dir, 'm.sock'), exitDir: f.bundle, log: { path: log, maxSize: -1, maxFiles: 1 } } });
    expect(c.stdout).toBeNull();
    expect(c.monitor?.pid).toBeGreaterThan(0);
    await f.rt.start('c1');
    const exit = await c.exited;
    expect(exit).toMatchObject({ exitStatus: 3, signal: null, oomKilled: false });
    await c.monitor!.done;
    const entries = logEntries(log);
    const byStream = (s: string) => entries.filter((e) => e.stream === s).map((e) => e.log);
    expect(byStream('stdout')).toEqual(['out\n', 'no newline']);
    expect(byStream('stderr')).toEqual(['err "quoted"\n']);
    for (const e of entries) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const file = JSON.parse(readFileSync(join(f.bundle, 'exit-status.json'), 'utf8'));
    expect(file).toEqual({ exitStatus: 3, exitedAt: exit.exitedAt.toISOString(), oomKilled: false });
    expect(existsSync(join(f.dir, 'm.sock'))).toBe(false);
  });

  it('maps a user namespace (the id maps are written for ce-init, the monitor\'s child)', async () => {
    chmodSync(f.dir, 0o755);
    for (const e of readdirSync(f.rootfs, { recursive: true, encoding: 'utf8' })) lchownSync(join(f.rootfs, e), 100000, 100000);
    lchownSync(f.rootfs, 100000, 100000);
    const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
    f.writeSpec(['sh', '-c', 'cat /proc/self/uid_map; id -u'], (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = maps;
      s.linux!.gidMappings = maps;
    });
    const log = join(f.dir, 'u.log');
    const c = await f.rt.create('cu', f.bundle, { monitor: { socket: join(f.dir, 'm.sock'), exitDir: f.bundle, log: { path: log, maxSize: -1, maxFiles: 1 } } });
    await f.rt.start('cu');
    expect((await c.exited).exitStatus).toBe(0);
    await c.monitor!.done;
    expect(logEntries(log).map((e) => e.log.trim().split(/\s+/).join(' '))).toEqual(['0 100000 65536', '0']);
  });

  it('fails a create as without a monitor, leaving no monitor, socket or exit file behind', async () => {
    f.writeSpec(['/no/such/program']);
    const socket = join(f.dir, 'm.sock');
    await expect(f.rt.create('c0', f.bundle, { monitor: { socket, exitDir: f.bundle } })).rejects.toMatchObject({ code: 'FailedPrecondition' });
    expect(existsSync(join(f.bundle, 'exit-status.json'))).toBe(false);
    expect(existsSync(socket)).toBe(false);
    expect(await f.rt.list()).toEqual([]);
  });

  it('rotates the log by max-size and max-file, losing no line of the files kept', async () => {
    // 400 lines of 24 bytes of text: ~76 bytes each as json-file entries.
    f.writeSpec(['sh', '-c', 'i=1000; while [ $i -lt 1400 ]; do echo "line $i xxxxxxxxxxxxxx"; i=$((i+1)); done']);
    const log = join(f.dir, 'c2.log');
    const c = await f.rt.create('c2', f.bundle, { monitor: { socket: join(f.dir, 'm.sock'), exitDir: f.bundle, log: { path: log, maxSize: 1000, maxFiles: 3 } } });
    await f.rt.start('c2');
    await c.exited;
    await c.monitor!.done;
    const names = readdirSync(f.dir).filter((n) => n.startsWith('c2.log')).sort();
    expect(names).toEqual(['c2.log', 'c2.log.1', 'c2.log.2', 'c2.log.rotations']);
    for (const n of ['c2.log', 'c2.log.1', 'c2.log.2']) expect(statSync(join(f.dir, n)).size).toBeLessThanOrEqual(1000);
    const kept = [...logEntries(`${log}.2`), ...logEntries(`${log}.1`), ...logEntries(log)].map((e) => Number(e.log.split(' ')[1]));
    expect(kept.at(-1)).toBe(1399);
    expect(kept).toEqual(kept.map((_, i) => 1399 - kept.length + 1 + i));
    // generation counts the rotations; the sequence is even (no rotation in progress)
    const [seq, generation] = readFileSync(`${log}.rotations`, 'utf8').trim().split(' ').map(Number);
    expect(seq! % 2).toBe(0);
    expect(generation).toBeGreaterThan(20);
  });

  it('serves attach (stdin and framed output), wait and pid on its socket', async () => {
    f.writeSpec(['sh', '-c', 'read x; echo "got $x"; echo bye >&2']);
    const socket = join(f.dir, 'm.sock');
    const c = await f.rt.create('c3', f.bundle, { monitor: { socket, exitDir: f.bundle, stdin: true } });
    expect((await request(socket, 'pid')).toString()).toBe(`${c.pid}\n`);
    const waited = request(socket, 'wait');
    await f.rt.start('c3');
    const out = await request(socket, 'attach 1 1 1', stdinFrames('hello\n', true));
    expect(frames(out)).toEqual([
      [1, 'got hello\n'],
      [2, 'bye\n'],
    ]);
    const exit = await c.exited;
    expect((await waited).toString()).toBe(`exit 0 0 ${exit.exitedAt.getTime()} 0\n`);
    await c.monitor!.done;
  });

  it('gives a terminal: output through attach, resize on the socket', async () => {
    f.writeSpec(['sh', '-c', 'read x; stty size; echo "got $x"'], (s) => {
      s.process!.terminal = true;
    });
    const socket = join(f.dir, 'm.sock');
    const c = await f.rt.create('c4', f.bundle, { monitor: { socket, exitDir: f.bundle, stdin: true } });
    expect((await request(socket, 'resize 100 30')).toString()).toBe('ok\n');
    await f.rt.start('c4');
    const out = await request(socket, 'attach 1 1 1', stdinFrames('typed\n', false));
    const text = frames(out)
      .map(([, t]) => t)
      .join('');
    expect(text).toContain('30 100\r\n');
    expect(text).toContain('got typed\r\n');
    await c.exited;
    await c.monitor!.done;
  });

  it('runs an exec under a monitor of its own that holds its output until released, and records its exit', async () => {
    await inSleepingContainer('c6', async (socket) => {
      const exitDir = join(f.dir, 'exec');
      mkdirSync(exitDir);
      const proc = { ...defaultSpec().process!, args: ['sh', '-c', 'echo out; echo err >&2; read x; echo "got $x"; exit 5'] };
      const p = await f.rt.exec('c6', proc, { monitor: { socket, exitDir, stdin: true, holdOutputMs: 30_000 } });
      expect(p.stdout).toBeNull();
      // Its parent once ce-init, which forked it, has exited.
      await until('the exec to be its monitor\'s child', () => new RegExp(`^PPid:\\s+${p.monitor!.pid}$`, 'm').test(readFileSync(`/proc/${p.pid}/status`, 'utf8')));
      expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toContain(f.cgroupName);
      // What it wrote before anyone attached is held for the first session.
      // `read` waits in poll (busybox) or in the pipe's read.
      await until('the exec to wait for its stdin, its first lines written', () => {
        const [cmdline, wchan] = ['cmdline', 'wchan'].map((f) => readFileSync(`/proc/${p.pid}/${f}`, 'utf8'));
        return cmdline.startsWith('sh\0') && /poll_schedule|pipe_read/.test(wchan!);
      });
      const attached = request(socket, 'attach 1 1 1', stdinFrames('typed\n', true));
      expect((await request(socket, 'release')).toString()).toBe('ok\n');
      const streams = { 1: '', 2: '' } as Record<number, string>;
      for (const [stream, text] of frames(await attached)) streams[stream] += text;
      expect(streams).toEqual({ 1: 'out\ngot typed\n', 2: 'err\n' });
      const exit = await p.exited;
      expect(exit.exitStatus).toBe(5);
      expect(JSON.parse(readFileSync(join(exitDir, 'exit-status.json'), 'utf8'))).toEqual({ exitStatus: 5, exitedAt: exit.exitedAt.toISOString(), oomKilled: false });
      await p.monitor!.done;
      expect(existsSync(socket)).toBe(false);
      expect((await f.rt.state('c6')).status).toBe('running');
    }, (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
  });

  it('signals an exec through its monitor only until it reaped it', async () => {
    await inSleepingContainer('c7', async (socket) => {
      // Held output keeps the monitor there after the exit, for the second signal.
      const p = await f.rt.exec('c7', { ...defaultSpec().process!, args: ['sleep', '30'] }, { monitor: { socket, exitDir: join(f.dir, 'exec'), holdOutputMs: 30_000 } });
      const done = request(socket, 'done');
      try {
        expect((await request(socket, 'signal 99')).toString()).toBe('error invalid signal\n');
        expect((await request(socket, 'signal 15')).toString()).toBe('ok\n');
        // 128 + 15 (killed by it, or by ce-init's forwarding when it came before the execve).
        expect((await p.exited).exitStatus).toBe(143);
        expect((await request(socket, 'signal 15')).toString()).toBe('error No such process\n');
      } finally {
        await request(socket, 'release');
      }
      await done;
      await p.monitor!.done;
    });
  });

  it('reads held output after its time limit when nobody releases it, and ends with its process', async () => {
    await inSleepingContainer('c9', async (socket) => {
      const p = await f.rt.exec('c9', { ...defaultSpec().process!, args: ['echo', 'dropped'] }, { monitor: { socket, exitDir: join(f.dir, 'exec'), holdOutputMs: 300 } });
      expect((await p.exited).exitStatus).toBe(0);
      await p.monitor!.done;
      expect(existsSync(socket)).toBe(false);
    });
  });

  it('fails an exec that cannot run as without a monitor (typed facts), at once, leaving nothing behind', async () => {
    await inSleepingContainer('c8', async (socket) => {
      const exitDir = join(f.dir, 'exec');
      const started = Date.now();
      await expect(f.rt.exec('c8', { ...defaultSpec().process!, args: ['nope'] }, { monitor: { socket, exitDir, holdOutputMs: 30_000 } })).rejects.toMatchObject({
        code: 'FailedPrecondition',
        message: 'exec: "nope": executable file not found in $PATH',
        op: 'exec',
        errno: 'ENOENT',
        path: 'nope',
      });
      // Its held output is released by the failure itself: the monitor is not left to be killed after a delay.
      expect(Date.now() - started).toBeLessThan(4000);
      expect(existsSync(socket)).toBe(false);
      expect(existsSync(join(exitDir, 'exit-status.json'))).toBe(false);
      await expect(f.rt.exec('c8', { ...defaultSpec().process!, args: ['true'] }, { monitor: { socket, exitDir }, stdio: ['ignore', 'pipe', 'pipe'] })).rejects.toThrow(
        /held by the monitor/,
      );
    });
  });

  it.skipIf(!runtimeBuilt)('outlives the process that created the container: the log goes on and the exit is recorded', async () => {
    f.writeSpec(['sh', '-c', 'i=0; while [ $i -lt 20 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done; exit 7']);
    const log = join(f.dir, 'c5.log');
    const creator = spawn(process.execPath, [fixtureScript, f.stateRoot, f.bundle, 'c5', join(f.dir, 'm.sock'), log], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<string>((resolve, reject) => {
      let out = '';
      creator.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      creator.on('exit', (code) => reject(new Error(`the creating process exited (${code}) before the container started`)));
    });
    const [, monitorPid] = started.split(' ').map(Number);
    await until('the first log line', () => logEntries(log).length > 0);
    creator.kill('SIGKILL');
    await new Promise((r) => creator.once('exit', r));
    expect(isAlive(monitorPid!)).toBe(true);
    const file = await until('the exit file', () => existsSync(join(f.bundle, 'exit-status.json')) && JSON.parse(readFileSync(join(f.bundle, 'exit-status.json'), 'utf8')));
    expect(file).toMatchObject({ exitStatus: 7, oomKilled: false });
    // Orphaned, the monitor went to the nearest subreaper: this process (an earlier Runtime made it one), or init.
    const parent = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${monitorPid}/status`, { encoding: 'utf8', flag: 'r' }))?.[1];
    if (Number(parent) === process.pid) await waitPid(monitorPid!);
    else await until('the monitor to end', () => !isAlive(monitorPid!));
    expect(logEntries(log).map((e) => e.log)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}\n`));
  });
});
