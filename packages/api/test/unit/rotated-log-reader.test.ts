import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeLocalEntry, formatRotationState, rotationStatePath } from '@ce/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { readContainerLog, type LogChunk, type ReadLogOptions } from '../../src/containers/logs.js';

const dir = mkdtempSync(join(tmpdir(), 'ce-rotated-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jsonEntry = (n: number) => JSON.stringify({ log: `${n}\n`, stream: 'stdout', time: `2026-12-06T12:00:00.${String(n).padStart(3, '0')}Z` }) + '\n';
const jsonEntries = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => jsonEntry(from + i)).join('');
const localEntries = (from: number, to: number) =>
  Buffer.concat(Array.from({ length: to - from + 1 }, (_, i) => encodeLocalEntry({ source: 'stdout', timeNano: BigInt(from + i) * 1000n, line: Buffer.from(`${from + i}`), partial: false })));
const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');
const state = (path: string, seqNo: number, generation: number) => writeFileSync(rotationStatePath(path), formatRotationState({ seq: BigInt(seqNo), generation: BigInt(generation) }));

async function text(path: string, driver: 'json-file' | 'local', options: Partial<ReadLogOptions> = {}): Promise<string> {
  const out: LogChunk[] = [];
  for await (const chunk of readContainerLog(path, driver, { tail: -1, timestamps: false, ...options })) out.push(chunk);
  return out.map((c) => c.data.toString()).join('');
}

describe('reading a rotated log as docker logs does', () => {
  const json = join(dir, 'c-json.log');
  writeFileSync(`${json}.3.gz`, gzipSync(jsonEntries(1, 10)));
  writeFileSync(`${json}.2`, jsonEntries(11, 20)); // not compressed yet (a full disk, or being compressed)
  writeFileSync(`${json}.1.gz`, gzipSync(jsonEntries(21, 30)));
  writeFileSync(json, jsonEntries(31, 35));
  state(json, 8, 4);

  it('reads the files oldest first, plain or gzipped', async () => {
    expect(await text(json, 'json-file')).toBe(seq(1, 35));
  });

  it('--tail reaching back into rotated files', async () => {
    expect(await text(json, 'json-file', { tail: 3 })).toBe(seq(33, 35));
    expect(await text(json, 'json-file', { tail: 5 })).toBe(seq(31, 35));
    expect(await text(json, 'json-file', { tail: 12 })).toBe(seq(24, 35));
    expect(await text(json, 'json-file', { tail: 27 })).toBe(seq(9, 35));
    expect(await text(json, 'json-file', { tail: 1000 })).toBe(seq(1, 35));
  });

  it('--since and --until across files', async () => {
    const at = (n: number) => BigInt(Date.parse('2026-12-06T12:00:00Z') + n) * 1_000_000n;
    expect(await text(json, 'json-file', { since: at(9), until: at(22) })).toBe(seq(9, 22));
  });

  it('the local format, rotated and gzipped the same way', async () => {
    const path = join(dir, 'container.log');
    writeFileSync(`${path}.2.gz`, gzipSync(localEntries(1, 4)));
    writeFileSync(`${path}.1.gz`, gzipSync(localEntries(5, 8)));
    writeFileSync(path, localEntries(9, 10));
    expect(await text(path, 'local')).toBe(seq(1, 10));
    expect(await text(path, 'local', { tail: 7 })).toBe(seq(4, 10));
    expect(await text(path, 'local', { tail: 1, timestamps: true })).toBe('1970-01-01T00:00:00.000010000Z 10\n');
  });

  it('follows into the next file when the writer rotates, without gap or repeat', async () => {
    const path = join(dir, 'follow-json.log');
    writeFileSync(path, jsonEntries(1, 3));
    state(path, 0, 0);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const seen: string[] = [];
    let wake!: () => void;
    let progress = new Promise<void>((resolve) => (wake = resolve));
    const reading = (async () => {
      for await (const chunk of readContainerLog(path, 'json-file', { tail: -1, timestamps: false, stopped, pollMs: 20 })) {
        seen.push(chunk.data.toString());
        wake();
      }
    })();
    const until = async (text: string) => {
      while (!seen.join('').endsWith(text)) {
        await progress;
        progress = new Promise<void>((resolve) => (wake = resolve));
      }
    };
    await until(seq(1, 3));
    // A rotation as the shim makes it: lines appended, then names moved inside the seqlock, twice.
    for (const [first, gen] of [[4, 1], [7, 2]] as const) {
      appendFileSync(path, jsonEntries(first, first + 1));
      state(path, gen * 2 - 1, gen - 1);
      if (gen === 2) renameSync(`${path}.1`, `${path}.2`);
      renameSync(path, `${path}.1`);
      writeFileSync(path, jsonEntry(first + 2));
      state(path, gen * 2, gen);
    }
    await until(seq(1, 9));
    appendFileSync(path, jsonEntry(10));
    stop();
    await reading;
    expect(seen.join('')).toBe(seq(1, 10));
  });
});
