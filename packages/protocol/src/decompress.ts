// Archives as dockerd reads them (pkg/archive's DecompressStream): plain,
// gzip, bzip2, xz or zstd, told apart by their first bytes. gzip (and zstd,
// where Node has it) inflate in-process; bzip2, xz and zstd otherwise run the
// host's bzip2/xz/zstd, as dockerd runs xz.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';
import * as zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** How many leading bytes detectCompression needs to tell every format apart. */
export const COMPRESSION_HEAD_BYTES = 6;

const MAGIC: Array<[Exclude<Compression, 'none'>, number[]]> = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

export function detectCompression(head: Uint8Array): Compression {
  for (const [format, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return format;
  return 'none';
}

/** A stream that decompresses `format`; undefined for 'none'. */
export function decompressor(format: Compression): Duplex | undefined {
  switch (format) {
    case 'none':
      return undefined;
    case 'gzip':
      return zlib.createGunzip({ chunkSize: 256 * 1024 });
    case 'zstd': {
      const z = zlib as unknown as { createZstdDecompress?: () => Duplex };
      return z.createZstdDecompress ? z.createZstdDecompress() : new ToolDecompressor('zstd', ['-d', '-c', '-q'], format);
    }
    case 'bzip2':
      return new ToolDecompressor('bzip2', ['-d', '-c', '-q'], format);
    case 'xz':
      return new ToolDecompressor('xz', ['-d', '-c', '-q'], format);
  }
}

const STDERR_LIMIT = 4096;

/** A decompressing tool's stdin and stdout as one stream; its failure (exit status, stderr) is the stream's error. */
class ToolDecompressor extends Duplex {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';

  constructor(command: string, args: string[], format: Compression) {
    super();
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.child.stdout.pause();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < STDERR_LIMIT) this.stderr += chunk.toString('utf8');
    });
    // The tool ending early (bad data) closes its stdin under us: its exit says why.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (err: NodeJS.ErrnoException) =>
      this.destroy(err.code === 'ENOENT' ? new Error(`cannot read ${format}-compressed data: ${command} is not installed`) : err),
    );
    this.child.on('close', (code, signal) => {
      if (code === 0) this.push(null);
      else if (!this.destroyed) this.destroy(new Error(`${format}: ${this.stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`)}`));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return done();
    if (this.child.stdin.write(chunk)) done();
    else this.child.stdin.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.child.stdin.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    done(err);
  }
}
