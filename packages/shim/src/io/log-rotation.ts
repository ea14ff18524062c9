import { closeSync, constants, createReadStream, createWriteStream, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { rotationStatePath, formatRotationState, parseRotationState } from '@ce/protocol';

export interface RotationPolicy {
  /** Bytes a file may hold before the next record goes to a new one. */
  maxSize: number;
  /** Files kept, the one being written included; 1: the file starts over empty. */
  maxFiles: number;
  /** gzip the rotated files (x.1.gz ...), as Docker's compress option does. */
  compress: boolean;
}

/**
 * Docker's rotation of a log file: x → x.1 → x.2 ... up to x.<max-file - 1>, the oldest
 * removed, each optionally gzipped in the background (x.1.gz). Readers in another process
 * (ced's `logs`) see it through a seqlock in x.rotations: the sequence is odd while names
 * move, and the generation counts rotations, so that a reader knows which file follows the
 * one it has open.
 */
export class LogRotation {
  private readonly stateFd: number;
  private seq: bigint;
  private generation: bigint;
  private compressing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    readonly policy: RotationPolicy,
  ) {
    // Not O_APPEND: the state is rewritten in place.
    this.stateFd = openSync(rotationStatePath(path), constants.O_RDWR | constants.O_CREAT, 0o640);
    const buf = Buffer.alloc(64);
    const n = readSync(this.stateFd, buf, 0, buf.length, 0);
    const state = parseRotationState(buf.toString('utf8', 0, n)) ?? { seq: 0n, generation: 0n };
    // A shim that died while moving names left an odd sequence: readers wait for even.
    this.seq = state.seq + (state.seq % 2n);
    this.generation = state.generation;
    this.writeState();
  }

  /** A rotated file is still being compressed: the next rotation waits for it. */
  get busy(): boolean {
    return this.compressing !== undefined;
  }

  settled(): Promise<void> {
    return this.compressing ?? Promise.resolve();
  }

  /** Moves the closed current file out of the way and creates an empty one at `path` for the caller to open. */
  rotate(): void {
    const { maxFiles, compress } = this.policy;
    this.moving(() => {
      if (maxFiles < 2) {
        rmSync(this.path, { force: true });
      } else {
        // Only the names that exist: trying every name up to max-file costs a failed syscall (and a thrown error) each.
        const rotated = this.rotatedFiles();
        for (const ext of ['', '.gz']) if (rotated.has(`${maxFiles - 1}${ext}`)) rmSync(`${this.path}.${maxFiles - 1}${ext}`, { force: true });
        for (let i = maxFiles - 1; i > 1; i--) {
          for (const ext of ['', '.gz']) if (rotated.has(`${i - 1}${ext}`)) renameSync(`${this.path}.${i - 1}${ext}`, `${this.path}.${i}${ext}`);
        }
        renameIfExists(this.path, `${this.path}.1`);
      }
      // The new generation's file exists as soon as the state names it, so a reader never misses it.
      closeSync(openSync(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o640));
    });
    if (compress && maxFiles >= 2) {
      this.compressing = this.compress(`${this.path}.1`).finally(() => (this.compressing = undefined));
    }
  }

  /** The suffixes of the rotated files there are: "1", "2.gz"... */
  private rotatedFiles(): Set<string> {
    const base = `${basename(this.path)}.`;
    const found = new Set<string>();
    for (const name of readdirSync(dirname(this.path))) {
      if (name.startsWith(base) && /^\d+(\.gz)?$/.test(name.slice(base.length))) found.add(name.slice(base.length));
    }
    return found;
  }

  /** x.1 → x.1.gz; on failure (a full disk) x.1 stays as it is, which readers also read. */
  private async compress(file: string): Promise<void> {
    const tmp = `${file}.gz.tmp`;
    try {
      await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp, { mode: 0o640 }));
      this.moving(() => {
        renameSync(tmp, `${file}.gz`);
        rmSync(file, { force: true });
      }, false);
    } catch {
      rmSync(tmp, { force: true });
    }
  }

  /** Runs fs changes inside the seqlock: readers that saw an odd or changed sequence retry. */
  private moving(change: () => void, rotates = true): void {
    this.seq++;
    this.writeState();
    try {
      change();
      if (rotates) this.generation++;
    } finally {
      this.seq++;
      this.writeState();
    }
  }

  private writeState(): void {
    writeSync(this.stateFd, formatRotationState({ seq: this.seq, generation: this.generation }), 0);
  }

  close(): void {
    closeSync(this.stateFd);
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
