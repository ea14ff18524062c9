import { closeSync, existsSync, fstatSync, openSync, read, readFile, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseRotationState, rotatedNames, rotationStatePath, unavailable, type RotationState } from '@ce/protocol';
import type { ReadableLogFile } from './log-record-format.js';

const gunzipAsync = promisify(gunzip);
const readAsync = promisify(read);
const readFileAsync = promisify(readFile);

/**
 * Reads up to this size are made synchronously: a log file is local and in the page cache
 * as its shim just wrote it, so such a read takes microseconds, far less than a trip
 * through libuv's thread pool (which, on a loaded machine, waits for a thread). Opening,
 * closing, fstat and the rotation state are synchronous for the same reason. Larger reads
 * (a long log) go to the thread pool and leave the event loop free.
 */
const SYNC_READ_MAX = 64 * 1024;

/** One file of a rotated log, open, with the rotation generation it was written in. */
export interface OpenLogFile {
  generation: bigint;
  file: ReadableLogFile;
  close(): Promise<void>;
}

/** How long a reader waits for a shim that is moving file names (it takes microseconds). */
const SEQLOCK_TRIES = 500;
const SEQLOCK_WAIT_MS = 2;
/** More rotated files than anyone keeps: a bound on the names tried. */
const MAX_ROTATED = 100_000;

/**
 * Every file of the log at `path`, oldest first (x.<n>[.gz] ... x.1[.gz], x), opened as
 * one consistent set: the shim's rotation seqlock (x.rotations) had the same even
 * sequence before and after. Empty when the log does not exist.
 */
export async function openLogFiles(path: string): Promise<{ generation: bigint; files: OpenLogFile[] }> {
  return consistently(path, async (state) => {
    const files: OpenLogFile[] = [];
    try {
      for (let back = 1; back < MAX_ROTATED; back++) {
        const f = openFirst(rotatedNames(path, back), state.generation - BigInt(back));
        if (!f) break;
        files.unshift(f);
      }
      const current = openFirst([path], state.generation);
      if (current) files.push(current);
      return files;
    } catch (err) {
      await closeAll(files);
      throw err;
    }
  }).then(({ state, value }) => ({ generation: state.generation, files: value }));
}

/**
 * The file written after generation `after` (a follower has read that one to its end and
 * the shim has rotated since), or a newer one if that one is already rotated away.
 */
export async function openNextLogFile(path: string, after: bigint): Promise<OpenLogFile | undefined> {
  const { value } = await consistently(path, async (state) => {
    for (let gen = after + 1n; gen <= state.generation; gen++) {
      const back = Number(state.generation - gen);
      const f = openFirst(rotatedNames(path, back), gen);
      if (f) return f;
    }
    return undefined;
  });
  return value;
}

/** The rotation generation of the log now (0 if it never rotated); undefined while names are moving. */
export async function currentGeneration(path: string): Promise<bigint | undefined> {
  const stateFile = new RotationStateFile(path);
  try {
    const s = stateFile.read();
    return s.seq % 2n === 0n ? s.generation : undefined;
  } finally {
    stateFile.close();
  }
}

async function consistently<T>(path: string, read: (state: RotationState) => Promise<T>): Promise<{ state: RotationState; value: T }> {
  const stateFile = new RotationStateFile(path);
  try {
    for (let i = 0; i < SEQLOCK_TRIES; i++) {
      const before = stateFile.read();
      if (before.seq % 2n === 0n) {
        const value = await read(before);
        const after = stateFile.read();
        if (after.seq === before.seq) return { state: before, value };
        await closeValue(value);
      }
      await sleep(SEQLOCK_WAIT_MS);
    }
  } finally {
    stateFile.close();
  }
  throw unavailable(`the log ${path} kept rotating while it was opened`);
}

async function closeValue(value: unknown): Promise<void> {
  if (Array.isArray(value)) await closeAll(value as OpenLogFile[]);
  else if (value && typeof (value as OpenLogFile).close === 'function') await (value as OpenLogFile).close();
}

async function closeAll(files: OpenLogFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.close()));
}

/**
 * A log's rotation state (x.rotations), opened once for the reads of one seqlock section: the shim rewrites it
 * in place, so each read is one pread of the same file. A log without a rotation policy has none: generation 0.
 */
class RotationStateFile {
  private fd: number | undefined;
  private readonly buffer = Buffer.alloc(64);

  constructor(private readonly logPath: string) {}

  read(): RotationState {
    // Absent at the first read, it may be created before the second (a shim starting): looked up at each read.
    this.fd ??= openIfExists(rotationStatePath(this.logPath));
    if (this.fd === undefined) return { seq: 0n, generation: 0n };
    const text = this.buffer.toString('utf8', 0, readSync(this.fd, this.buffer, 0, this.buffer.length, 0));
    // An empty state is one being created: generation 0.
    return parseRotationState(text) ?? (text === '' ? { seq: 0n, generation: 0n } : { seq: 1n, generation: 0n });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A file opened for reading, or undefined when there is none (looked up first: a failed open costs a thrown error). */
function openIfExists(name: string): number | undefined {
  if (!existsSync(name)) return undefined;
  try {
    return openSync(name, 'r');
  } catch (err) {
    // Gone between the lookup and the open (a rotation moved it).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The first of `names` that exists, open. One that goes between its lookup and its open (a rotation moved it)
 * is passed over as absent: the seqlock's second read sees that rotation, and the set is opened again.
 */
function openFirst(names: string[], generation: bigint): OpenLogFile | undefined {
  for (const name of names) {
    const fd = openIfExists(name);
    if (fd === undefined) continue;
    return name.endsWith('.gz') ? gzippedFile(fd, generation) : plainFile(fd, generation);
  }
  return undefined;
}

/** Closes once: a file may be closed both by a retry of its set and by the reader's cleanup. */
function closer(fd: number): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  };
}

function plainFile(fd: number, generation: bigint): OpenLogFile {
  return {
    generation,
    file: {
      async read(buffer, offset, length, position) {
        const left = fstatSync(fd).size - position;
        if (left <= 0) return { bytesRead: 0 };
        if (left <= SYNC_READ_MAX) return { bytesRead: readSync(fd, buffer, offset, Math.min(length, left), position) };
        return readAsync(fd, buffer, offset, length, position);
      },
      size: async () => fstatSync(fd).size,
    },
    close: closer(fd),
  };
}

/** A compressed rotated file, unzipped into memory the first time it is read (it holds at most max-size). */
function gzippedFile(fd: number, generation: bigint): OpenLogFile {
  let data: Promise<Buffer> | undefined;
  const load = () => (data ??= readFileAsync(fd).then((gz) => gunzipAsync(gz)));
  return {
    generation,
    file: {
      async read(buffer, offset, length, position) {
        const d = await load();
        const n = Math.max(0, Math.min(length, d.length - position));
        d.copy(buffer, offset, position, position + n);
        return { bytesRead: n };
      },
      size: async () => (await load()).length,
    },
    close: closer(fd),
  };
}
