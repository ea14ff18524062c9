import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeLocalEntry, parseRotationState, rotationStatePath, LOCAL_FRAME_OVERHEAD } from '@ce/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerLog } from '../../src/io/container-log.js';
import { localFormat } from '../../src/io/log-entry-format.js';
import { LogFileWriter } from '../../src/io/log-file-writer.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-rotation-'));
  dirs.push(dir);
  return dir;
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i).padStart(6, '0')}\n`);

function readMaybeGz(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  return gunzipSync(readFileSync(`${path}.gz`)).toString('utf8');
}

describe('log rotation (Docker json-file/local names: x, x.1 ... x.<max-file - 1>)', () => {
  it('keeps at most max-file files of at most max-size bytes, the newest lines contiguous, oldest first in x.<n>', async () => {
    const dir = tempDir();
    const path = join(dir, 'c-json.log');
    const writer = new LogFileWriter(path, { rotation: { maxSize: 1000, maxFiles: 3, compress: false } });
    const lines = numbered(1, 500); // 12 bytes each: 83 per file
    for (const l of lines) writer.append(Buffer.from(l));
    await writer.close();
    expect(readdirSync(dir).sort()).toEqual(['c-json.log', 'c-json.log.1', 'c-json.log.2', 'c-json.log.rotations']);
    for (const f of ['c-json.log', 'c-json.log.1', 'c-json.log.2']) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(1000);
    const kept = readFileSync(`${path}.2`, 'utf8') + readFileSync(`${path}.1`, 'utf8') + readFileSync(path, 'utf8');
    const keptLines = kept.split(/(?<=\n)/);
    expect(keptLines).toEqual(lines.slice(lines.length - keptLines.length));
    // Full files hold 83 lines: 500 = 83 * 6 + 2, so 6 rotations, and the older two full files plus 2 lines are kept.
    expect(keptLines.length).toBe(83 * 2 + 2);
    const state = parseRotationState(readFileSync(rotationStatePath(path), 'utf8'));
    expect(state).toEqual({ seq: 12n, generation: 6n });
  });

  it('compress: the rotated files are gzipped (x.1.gz ...) and hold the same lines', async () => {
    const dir = tempDir();
    const path = join(dir, 'c-json.log');
    const writer = new LogFileWriter(path, { rotation: { maxSize: 600, maxFiles: 4, compress: true } });
    const lines = numbered(1, 300);
    for (const l of lines) writer.append(Buffer.from(l));
    await writer.close();
    expect(readdirSync(dir).sort()).toEqual(['c-json.log', 'c-json.log.1.gz', 'c-json.log.2.gz', 'c-json.log.3.gz', 'c-json.log.rotations']);
    const kept = [3, 2, 1].map((i) => readMaybeGz(`${path}.${i}`)).join('') + readFileSync(path, 'utf8');
    const keptLines = kept.split(/(?<=\n)/);
    expect(keptLines).toEqual(lines.slice(lines.length - keptLines.length));
    expect(keptLines.length).toBeGreaterThan(150);
  });

  it('max-file 1: the file starts over, nothing else is kept', async () => {
    const dir = tempDir();
    const path = join(dir, 'c-json.log');
    const writer = new LogFileWriter(path, { rotation: { maxSize: 120, maxFiles: 1, compress: false } });
    for (const l of numbered(1, 25)) writer.append(Buffer.from(l));
    await writer.close();
    expect(readdirSync(dir).sort()).toEqual(['c-json.log', 'c-json.log.rotations']);
    expect(readFileSync(path, 'utf8')).toBe(numbered(21, 25).join(''));
  });

  it('a record bigger than max-size gets a file of its own', async () => {
    const dir = tempDir();
    const path = join(dir, 'c-json.log');
    const writer = new LogFileWriter(path, { rotation: { maxSize: 10, maxFiles: 3, compress: false } });
    writer.append(Buffer.from('a\n'));
    writer.append(Buffer.from('b'.repeat(30) + '\n'));
    writer.append(Buffer.from('c\n'));
    await writer.close();
    expect([readFileSync(`${path}.2`, 'utf8'), readFileSync(`${path}.1`, 'utf8'), readFileSync(path, 'utf8')]).toEqual(['a\n', 'b'.repeat(30) + '\n', 'c\n']);
  });

  it('goes on from an existing log and its rotation count (a restarted container)', async () => {
    const dir = tempDir();
    const path = join(dir, 'c-json.log');
    let writer = new LogFileWriter(path, { rotation: { maxSize: 100, maxFiles: 5, compress: false } });
    for (const l of numbered(1, 10)) writer.append(Buffer.from(l));
    await writer.close();
    writer = new LogFileWriter(path, { rotation: { maxSize: 100, maxFiles: 5, compress: false } });
    for (const l of numbered(11, 20)) writer.append(Buffer.from(l));
    await writer.close();
    const kept = [4, 3, 2, 1].map((i) => (existsSync(`${path}.${i}`) ? readFileSync(`${path}.${i}`, 'utf8') : '')).join('') + readFileSync(path, 'utf8');
    expect(kept).toBe(numbered(1, 20).join(''));
    expect(parseRotationState(readFileSync(rotationStatePath(path), 'utf8'))?.generation).toBe(2n);
  });
});

describe('local format (Docker local driver: length-framed protobuf LogEntry)', () => {
  function frames(data: Buffer) {
    const out = [];
    for (let at = 0; at < data.length; ) {
      const size = data.readUInt32BE(at);
      expect(data.readUInt32BE(at + 4 + size)).toBe(size);
      out.push(decodeLocalEntry(data.subarray(at + 4, at + 4 + size)));
      at += size + LOCAL_FRAME_OVERHEAD;
    }
    return out;
  }

  it('round trip: lines without their newline, streams, times, an unfinished last line as partial', async () => {
    const path = join(tempDir(), 'container.log');
    const before = BigInt(Date.now()) * 1_000_000n;
    const log = new ContainerLog(path, { format: localFormat });
    log.write('stdout', Buffer.from('hello\nwor'));
    log.write('stderr', Buffer.from('oops\n'));
    log.write('stdout', Buffer.from('ld\n'));
    log.write('stdout', Buffer.from('no newline'));
    await log.close();
    const entries = frames(readFileSync(path));
    expect(entries.map((e) => [e.source, e.line.toString(), e.partial])).toEqual([
      ['stdout', 'hello', false],
      ['stderr', 'oops', false],
      ['stdout', 'world', false],
      ['stdout', 'no newline', true],
    ]);
    for (const e of entries) expect(e.timeNano).toBeGreaterThanOrEqual(before - 1_000_000n);
  });

  it('cuts a torn last frame an earlier writer left before appending', async () => {
    const path = join(tempDir(), 'container.log');
    let log = new ContainerLog(path, { format: localFormat });
    log.write('stdout', Buffer.from('a\nb\n'));
    await log.close();
    const whole = readFileSync(path);
    writeFileSync(path, Buffer.concat([whole, whole.subarray(0, whole.length / 2 - 3)]));
    log = new ContainerLog(path, { format: localFormat });
    log.write('stdout', Buffer.from('c\n'));
    await log.close();
    expect(frames(readFileSync(path)).map((e) => e.line.toString())).toEqual(['a', 'b', 'c']);
  });
});
