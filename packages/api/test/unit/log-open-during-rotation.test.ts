import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRotationState, rotationStatePath } from '@ce/protocol';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readContainerLog } from '../../src/containers/logs.js';

/** Runs once, in the reader's own openSync of a path: a shim that rotates the log at that very moment. */
const onOpen = vi.hoisted(() => ({ path: undefined as string | undefined, rotate: undefined as (() => void) | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync: typeof fs.openSync = (path, ...rest) => {
    if (onOpen.rotate && path === onOpen.path) {
      const rotate = onOpen.rotate;
      onOpen.rotate = undefined;
      rotate();
    }
    return fs.openSync(path, ...rest);
  };
  return { ...fs, default: { ...fs, openSync }, openSync };
});

const dir = mkdtempSync(join(tmpdir(), 'ce-log-open-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => (onOpen.rotate = undefined));

const entry = (n: number) => JSON.stringify({ log: `${n}\n`, stream: 'stdout', time: `2026-12-07T12:00:00.${String(n).padStart(3, '0')}Z` }) + '\n';
const entries = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i)).join('');
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');
// Rewritten in place, as the shim's LogRotation writes it.
const state = (path: string, seq: number, generation: number) => writeFileSync(rotationStatePath(path), formatRotationState({ seq: BigInt(seq), generation: BigInt(generation) }));

/** The shim's rotation of `path` from generation `from`: the last lines written, names moved inside the seqlock, one line in the new file. */
const rotation = (path: string, from: number, last: [number, number], next: number) => () => {
  appendFileSync(path, entries(...last));
  state(path, from * 2 + 1, from);
  renameSync(path, `${path}.1`);
  writeFileSync(path, entry(next));
  state(path, from * 2 + 2, from + 1);
};

async function read(path: string): Promise<string> {
  let out = '';
  for await (const chunk of readContainerLog(path, 'json-file', { tail: -1, timestamps: false })) out += chunk.data.toString();
  return out;
}

describe('opening a log while its shim rotates it', () => {
  it('opens the set again when a rotation moved the names while they were opened: every line once, in order', async () => {
    const path = join(dir, 'a-json.log');
    writeFileSync(path, entries(1, 3));
    state(path, 0, 0);
    onOpen.path = path;
    onOpen.rotate = rotation(path, 0, [4, 5], 6);
    expect(await read(path)).toBe(lines(1, 6));
    expect(onOpen.rotate).toBeUndefined();
  });

  it('sees a rotation state created between its two reads of it (none at the first)', async () => {
    const path = join(dir, 'b-json.log');
    writeFileSync(path, entries(1, 2));
    onOpen.path = path;
    onOpen.rotate = rotation(path, 0, [3, 3], 4);
    expect(await read(path)).toBe(lines(1, 4));
    expect(onOpen.rotate).toBeUndefined();
  });

  it('reads a rotated log with its state and without one (rotated files from before the state was kept)', async () => {
    const kept = join(dir, 'c-json.log');
    writeFileSync(`${kept}.2`, entries(1, 2));
    writeFileSync(`${kept}.1`, entries(3, 4));
    writeFileSync(kept, entries(5, 5));
    state(kept, 4, 2);
    expect(await read(kept)).toBe(lines(1, 5));
    rmSync(rotationStatePath(kept));
    expect(await read(kept)).toBe(lines(1, 5));
  });
});
