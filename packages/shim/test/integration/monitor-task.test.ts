// Root-only: a shim task under ce-monitor (decision 0029). The monitor writes
// the json-file log, the local driver's and the kubelet's CRI log: the shared
// vectors hold it to the same entries as the shim's own writer (ContainerLog +
// jsonFileFormat, localFormat or criFormat), the time aside; rotated files it
// compresses read back whole.
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeLocalEntry, encodeLocalEntry, LOCAL_FRAME_OVERHEAD, type AttachSession } from '@ce/protocol';
import { Runtime } from '@ce/runtime';
import type { StreamName } from '@ce/protocol';
import { ContainerLog } from '../../src/io/container-log.js';
import { criFormat, jsonFileFormat, localFormat, type LogEntryFormat } from '../../src/io/log-entry-format.js';
import { taskRecordPath } from '../../src/monitor/task-record.js';
import { ShimTask } from '../../src/task.js';
import { BUSYBOX, busyboxBundle, isAlive, until } from '../../../../tools/test/container-fixtures.js';
import { criCounts } from '../support/cri-log-lines.js';

const isRoot = process.getuid?.() === 0;

/** Bytes a container writes; each becomes the same log lines in both writers. */
const VECTORS: Record<string, Buffer> = {
  plain: Buffer.from('hello\nworld\n'),
  'escapes and controls': Buffer.from(`tab\there\r\n"quoted" back\\slash\n${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}\x7f <>&\n`),
  'non-ASCII': Buffer.from('é ü 中文 😀 \u2028 \u2029 \ufeff\n'),
  'invalid UTF-8': Buffer.concat([
    Buffer.from('a'),
    Buffer.from([0xff, 0x62, 0xc3, 0x63, 0xe2, 0x82, 0x64, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xf0, 0x9f, 0x98]),
    Buffer.from('\nend\n'),
  ]),
  'lines longer than 16 KiB, cut between characters': Buffer.from(`a${'é'.repeat(20000)}\n${'b'.repeat(40000)}\n`),
  'a last line without its newline': Buffer.from(`whole\n${'x'.repeat(17000)}`),
};

/** A json-file line with its time blanked: the rest must be byte for byte the same. */
const timeless = (line: string) => line.replace(/"time":"[^"]*"/, '"time":"T"');

/** A CRI line (`<time> <stream> <P|F> <text>`) with its time blanked. */
const timelessCri = (line: string) => line.replace(/^\S+ /, 'T ');
/** Go's RFC3339Nano in UTC of a millisecond clock, as criFormat writes it: no trailing zero in the fraction. */
const CRI_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,2}[1-9])?Z$/;

async function tsLines(dir: string, data: Buffer, format: LogEntryFormat = jsonFileFormat, stream: StreamName = 'stdout'): Promise<string[]> {
  const path = join(dir, 'ts.log');
  const log = new ContainerLog(path, { format });
  // In pieces, as reads from a pipe come: the entries must not depend on where reads end.
  for (let at = 0; at < data.length; at += 4093) log.write(stream, data.subarray(at, at + 4093));
  await log.close();
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map(format === criFormat ? timelessCri : timeless);
  rmSync(path);
  return lines;
}

/** A local driver file's entries, each with its time blanked: source, line and partial must be the same. */
function localEntries(file: Buffer): Array<{ source: string; line: string; partial: boolean }> {
  const entries: Array<{ source: string; line: string; partial: boolean }> = [];
  let at = 0;
  while (at < file.length) {
    const size = file.readUInt32BE(at);
    expect(file.readUInt32BE(at + 4 + size)).toBe(size);
    const e = decodeLocalEntry(file.subarray(at + 4, at + 4 + size));
    expect(e.timeNano).toBeGreaterThan(0n);
    entries.push({ source: e.source, line: e.line.toString('utf8'), partial: e.partial });
    at += size + LOCAL_FRAME_OVERHEAD;
  }
  return entries;
}

async function tsLocalEntries(dir: string, data: Buffer, stream: StreamName): Promise<ReturnType<typeof localEntries>> {
  const path = join(dir, 'ts-local.log');
  const log = new ContainerLog(path, { format: localFormat });
  for (let at = 0; at < data.length; at += 4093) log.write(stream, data.subarray(at, at + 4093));
  await log.close();
  const entries = localEntries(readFileSync(path));
  rmSync(path);
  return entries;
}

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function record(session: AttachSession): { text: () => string; done: Promise<void> } {
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of session.output) chunks.push(c.data);
  })();
  return { text: () => Buffer.concat(chunks).toString(), done };
}

describe.skipIf(!isRoot || !existsSync(BUSYBOX))('a shim task under ce-monitor (root)', () => {
  let dir: string;
  let task: ShimTask;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-shim-mon-'));
    task = new ShimTask(new Runtime({ root: join(dir, 'state') }), pino({ level: 'silent' }), () => undefined, undefined, { monitorSocketDir: dir });
  });

  afterEach(async () => {
    await task.kill({ id: 'c1', signal: 9, all: true }).catch(() => undefined);
    await task.wait({ id: 'c1' }).catch(() => undefined);
    await task.delete({ id: 'c1' }).catch(() => undefined);
    const left = readdirSync(join(dir, 'state')).filter((n) => n !== '.lock');
    const sockets = readdirSync(dir).filter((n) => n.endsWith('.mon'));
    rmSync(dir, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect(sockets).toEqual([]);
  });

  it('writes the same json-file lines as the shim\'s own writer (shared vectors)', async () => {
    const all = Buffer.concat(Object.values(VECTORS));
    const bundle = busyboxBundle(dir, 'bundle', ['cat', '/vectors']);
    writeFileSync(join(bundle, 'rootfs', 'vectors'), all);
    const logPath = join(dir, 'c1-json.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {} });
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    const monitorLines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map(timeless);
    // Vector by vector, so that a difference names its vector.
    let at = 0;
    for (const [name, data] of Object.entries(VECTORS)) {
      const expected = await tsLines(dir, data);
      expect({ name, lines: monitorLines.slice(at, at + expected.length) }).toEqual({ name, lines: expected });
      at += expected.length;
    }
    expect(monitorLines.length).toBe(at);
  });

  it('writes the same local driver entries as the shim\'s own writer (shared vectors), on both streams', async () => {
    const all = Buffer.concat(Object.values(VECTORS));
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', 'cat /vectors; cat /vectors >&2']);
    writeFileSync(join(bundle, 'rootfs', 'vectors'), all);
    const logPath = join(dir, 'c1-local.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'local', config: { compress: 'false' } } });
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    const monitorEntries = localEntries(readFileSync(logPath));
    for (const stream of ['stdout', 'stderr'] as const) {
      const ofStream = monitorEntries.filter((e) => e.source === stream);
      let at = 0;
      for (const [name, data] of Object.entries(VECTORS)) {
        const expected = await tsLocalEntries(dir, data, stream);
        expect({ name, stream, entries: ofStream.slice(at, at + expected.length) }).toEqual({ name, stream, entries: expected });
        at += expected.length;
      }
      expect(ofStream.length).toBe(at);
    }
  });

  it('cuts a torn last frame off a local log it opens (a writer killed mid-entry) and appends whole entries after the whole ones', async () => {
    const logPath = join(dir, 'c1-local.log');
    const whole = encodeLocalEntry({ source: 'stdout', timeNano: 1_000_000n, line: Buffer.from('before'), partial: false });
    const torn = encodeLocalEntry({ source: 'stdout', timeNano: 2_000_000n, line: Buffer.from('torn entry'), partial: false }).subarray(0, 9);
    writeFileSync(logPath, Buffer.concat([whole, torn]));
    const bundle = busyboxBundle(dir, 'bundle', ['echo', 'after']);
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'local', config: { compress: 'false' } } });
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    expect(localEntries(readFileSync(logPath)).map((e) => e.line)).toEqual(['before', 'after']);
  });

  it('rotates and gzips the local driver\'s files: every entry read back once, in order, whole files only', { timeout: 60_000 }, async () => {
    const lines = 6000;
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', `i=0; while [ $i -lt ${lines} ]; do echo "line $i of the container's output"; i=$((i+1)); done`]);
    const logPath = join(dir, 'c1-local.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'local', config: { 'max-size': '16k', 'max-file': '100' } } });
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    const names = readdirSync(dir).filter((n) => n.startsWith('c1-local.log'));
    const rotated = names.filter((n) => /\.\d+(\.gz)?$/.test(n)).sort((a, b) => Number(b.split('.')[2]) - Number(a.split('.')[2]));
    expect(rotated.length).toBeGreaterThan(10);
    // Every rotated file is compressed once the monitor has ended; nothing half-made is left.
    expect(rotated.every((n) => n.endsWith('.gz'))).toBe(true);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const files = [...rotated.map((n) => gunzipSync(readFileSync(join(dir, n)))), readFileSync(logPath)];
    for (const f of files) expect(f.length).toBeLessThanOrEqual(16 * 1024);
    const read = files.flatMap(localEntries).map((e) => e.line);
    expect(read).toEqual(Array.from({ length: lines }, (_, i) => `line ${i} of the container's output`));
  });

  it('gzips rotated json-file logs with compress=true, as the shim\'s writer does', { timeout: 60_000 }, async () => {
    const lines = 3000;
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', `i=0; while [ $i -lt ${lines} ]; do echo "line $i"; i=$((i+1)); done`]);
    const logPath = join(dir, 'c1-json.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'json-file', config: { 'max-size': '8k', 'max-file': '3', compress: 'true' } } });
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    expect(readdirSync(dir).filter((n) => n.startsWith('c1-json.log')).sort()).toEqual(['c1-json.log', 'c1-json.log.1.gz', 'c1-json.log.2.gz', 'c1-json.log.rotations']);
    const text = [gunzipSync(readFileSync(`${logPath}.2.gz`)), gunzipSync(readFileSync(`${logPath}.1.gz`)), readFileSync(logPath)].map((b) => b.toString()).join('');
    const kept = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { log: string }).log);
    // The newest entries, in order, ending with the last line: max-file × max-size of them.
    expect(kept.at(-1)).toBe(`line ${lines - 1}\n`);
    const first = Number(/^line (\d+)/.exec(kept[0]!)![1]);
    expect(kept).toEqual(Array.from({ length: lines - first }, (_, i) => `line ${first + i}\n`));
  });

  it('writes the same CRI lines as the shim\'s own writer (shared vectors), on both streams', async () => {
    const all = Buffer.concat(Object.values(VECTORS));
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', 'cat /vectors && cat /vectors >&2']);
    writeFileSync(join(bundle, 'rootfs', 'vectors'), all);
    const logPath = join(dir, 'c1.log');
    const started = Date.now();
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'cri', config: {} } });
    // Under the monitor (its record), not the shim's own writer.
    expect(existsSync(taskRecordPath(dir, 'c1'))).toBe(true);
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    const raw = readFileSync(logPath, 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    const monitorLines = raw.split('\n').slice(0, -1);
    for (const line of monitorLines) {
      const time = line.slice(0, line.indexOf(' '));
      expect(time).toMatch(CRI_TIME);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(time)).toBeLessThanOrEqual(Date.now());
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const streamLines = monitorLines.map(timelessCri).filter((l) => l.startsWith(`T ${stream} `));
      let at = 0;
      for (const [name, data] of Object.entries(VECTORS)) {
        const expected = await tsLines(dir, data, criFormat, stream);
        expect({ stream, name, lines: streamLines.slice(at, at + expected.length) }).toEqual({ stream, name, lines: expected });
        at += expected.length;
      }
      expect(streamLines.length).toBe(at);
    }
  });

  it('reopens the CRI log at its path once the kubelet renamed it: later lines go to the new file, none is lost', async () => {
    // Counts until the test creates /stop in its rootfs.
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', 'i=0; while [ ! -e /stop ]; do i=$((i+1)); echo $i; done']);
    const logPath = join(dir, 'c1.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {}, logConfig: { type: 'cri', config: {} } });
    expect(existsSync(taskRecordPath(dir, 'c1'))).toBe(true);
    await task.start({ id: 'c1' });
    await until('lines in the log', () => existsSync(logPath) && criCounts(logPath).length >= 20);
    renameSync(logPath, `${logPath}.1`);
    await task.reopenLog({ id: 'c1' });
    await until('lines in the new log', () => existsSync(logPath) && criCounts(logPath).length >= 20);
    writeFileSync(join(bundle, 'rootfs', 'stop'), '');
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(0);
    await task.delete({ id: 'c1' });
    const before = criCounts(`${logPath}.1`);
    const after = criCounts(logPath);
    expect(before.length).toBeGreaterThanOrEqual(20);
    expect(after.length).toBeGreaterThanOrEqual(20);
    // Every number once, in order: nothing lost or written twice across the reopen.
    const all = [...before, ...after];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  });

  it('refuses to reopen the log of a monitored task that has none', async () => {
    const bundle = busyboxBundle(dir, 'bundle', ['sleep', '1000']);
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {} });
    expect(existsSync(taskRecordPath(dir, 'c1'))).toBe(true);
    await task.start({ id: 'c1' });
    await expect(task.reopenLog({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition', message: 'task c1 has no log file' });
  });

  it('ends the container of a monitor that dies (137, with the reason); the task is deleted as any other', async () => {
    const bundle = busyboxBundle(dir, 'bundle', ['sleep', '1000']);
    const { pid } = await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath: join(dir, 'c1-json.log'), namespace: 'default', labels: {}, runtime: '', runtimePath: '' });
    await task.start({ id: 'c1' });
    const monitor = readdirSync('/proc').find((p) => /^\d+$/.test(p) && readCmdline(p).includes(join(dir, 'c1.mon')));
    expect(monitor).toBeDefined();
    const stop = new AbortController();
    const events = task.events(stop.signal)[Symbol.asyncIterator]();
    process.kill(Number(monitor), 'SIGKILL');
    const exit = await task.wait({ id: 'c1' });
    expect(exit).toMatchObject({ exitStatus: 137, reason: expect.stringMatching(/^ce-monitor died/) });
    // ced learns the exit from the event stream: the reason goes with it (the container's State.Error).
    let event = await events.next();
    while (!event.done && !event.value.exit) event = await events.next();
    stop.abort();
    expect(event.value?.exit).toMatchObject({ exitStatus: 137, reason: expect.stringMatching(/^ce-monitor died/) });
    // And to a subscriber that comes after the exit.
    expect(task.exitEvent()?.exit).toMatchObject({ exitStatus: 137, reason: expect.stringMatching(/^ce-monitor died/) });
    // An ended container's log has nobody left to reopen it.
    await expect(task.reopenLog({ id: 'c1' })).rejects.toMatchObject({ code: 'FailedPrecondition' });
    await until('the container to be gone', () => !isAlive(pid));
    await task.delete({ id: 'c1' });
  });

  it('ends an exec whose own monitor dies (137, with the reason); the container runs on', async () => {
    const bundle = busyboxBundle(dir, 'bundle', ['sleep', '1000']);
    const { pid } = await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {}, runtime: '', runtimePath: '' });
    await task.start({ id: 'c1' });
    await task.exec({ id: 'c1', execId: 'e1', args: ['sleep', '1000'], env: ['PATH=/bin'], uid: 0, gid: 0, additionalGids: [], cwd: '', terminal: false, stdin: false });
    const { pid: execPid } = await task.start({ id: 'c1', execId: 'e1' });
    const monitor = readdirSync('/proc').find((p) => /^\d+$/.test(p) && readCmdline(p).startsWith('ce-monitor') && readCmdline(p).includes('.exec.mon') && readCmdline(p).includes(dir));
    expect(monitor).toBeDefined();
    process.kill(Number(monitor), 'SIGKILL');
    expect(await task.wait({ id: 'c1', execId: 'e1' })).toMatchObject({ exitStatus: 137, reason: expect.stringMatching(/^ce-monitor died/) });
    await until('the exec to be gone', () => !isAlive(execPid));
    expect(isAlive(pid)).toBe(true);
    await task.delete({ id: 'c1', execId: 'e1' });
  });

  it('attaches through the monitor, records the exit on disk, and is deleted like any task', async () => {
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', 'read x; echo "got $x"; echo err >&2; exit 4']);
    const logPath = join(dir, 'c1-json.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: true, logPath, namespace: 'default', labels: {}, logConfig: { type: 'json-file', config: { 'max-size': '10k', 'max-file': '2' } } });
    const session = task.attach({ id: 'c1', stdin: true, stdout: true, stderr: true });
    const out = record(session);
    await session.ready;
    await task.start({ id: 'c1' });
    session.writeStdin(Buffer.from('over the socket\n'));
    session.closeStdin();
    const exit = await task.wait({ id: 'c1' });
    expect(exit.exitStatus).toBe(4);
    await out.done;
    expect(out.text()).toBe('got over the socket\nerr\n');
    expect(JSON.parse(readFileSync(join(bundle, 'exit-status.json'), 'utf8'))).toEqual({ exitStatus: 4, exitedAt: exit.exitedAt!.toISOString(), oomKilled: false });
    await task.delete({ id: 'c1' });
    const logged = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string });
    expect(logged.map((e) => [e.stream, e.log])).toEqual([
      ['stdout', 'got over the socket\n'],
      ['stderr', 'err\n'],
    ]);
    expect(existsSync(`${logPath}.rotations`)).toBe(true);
  });
});
