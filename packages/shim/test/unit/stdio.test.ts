import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { AttachSession } from '@ce/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerLog, MAX_ENTRY_BYTES } from '../../src/io/container-log.js';
import { StdioHub } from '../../src/io/stdio-hub.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-test-'));
  dirs.push(dir);
  return join(dir, 'c-json.log');
}

describe('json-file log', () => {
  it("writes one Docker json-file entry per line, holding partial lines until they end", async () => {
    const path = tempLog();
    const log = new ContainerLog(path);
    log.write('stdout', Buffer.from('hel'));
    log.write('stdout', Buffer.from('lo\nwor'));
    log.write('stderr', Buffer.from('oops\n'));
    const snowman = Buffer.from('☃\n');
    log.write('stderr', snowman.subarray(0, 1));
    log.write('stderr', snowman.subarray(1));
    await log.close();
    const entries = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    expect(entries.map((e) => [e.stream, e.log])).toEqual([
      ['stdout', 'hello\n'],
      ['stderr', 'oops\n'],
      ['stderr', '☃\n'],
      ['stdout', 'wor'],
    ]);
    expect(Number.isNaN(Date.parse(entries[0]!.time))).toBe(false);
  });
});

describe('json-file log long lines', () => {
  it('splits a line longer than 16 KiB into entries of at most 16 KiB, as Docker does, without cutting a character', async () => {
    const path = tempLog();
    const log = new ContainerLog(path);
    const exact = 'a'.repeat(MAX_ENTRY_BYTES);
    const wide = '€'.repeat(6000); // 18000 bytes
    log.write('stdout', Buffer.from(`${exact}\nshort\n${wide}\n`));
    log.write('stdout', Buffer.from('x'.repeat(MAX_ENTRY_BYTES + 5)));
    await log.close();
    const entries = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { log: string }).log);
    expect(entries.map((e) => Buffer.byteLength(e))).toEqual([MAX_ENTRY_BYTES, 1, 6, 16383, 18000 - 16383 + 1, MAX_ENTRY_BYTES, 5]);
    expect(entries.slice(0, 3).join('')).toBe(`${exact}\nshort\n`);
    expect(entries[3]! + entries[4]!).toBe(`${wide}\n`);
    expect(entries[3]!.endsWith('\n')).toBe(false);
  });
});

describe('stdio hub', () => {
  it('fans output out to attached sessions and the log, feeds stdin, and ends sessions when output closes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const path = tempLog();
    const log = new ContainerLog(path);
    const hub = new StdioHub({ stdin, stdout, stderr }, log);
    const both = hub.attach({ id: 'c', stdin: true, stdout: true, stderr: true });
    const onlyErr = hub.attach({ id: 'c', stdin: false, stdout: false, stderr: true });
    const stdinData: string[] = [];
    stdin.on('data', (d: Buffer) => stdinData.push(d.toString()));
    both.writeStdin(Buffer.from('typed'));
    onlyErr.writeStdin(Buffer.from('ignored'));
    stdout.write('out\n');
    stderr.write('err\n');
    stdout.end();
    stderr.end();
    const read = async (s: typeof both) => {
      const got: string[] = [];
      for await (const c of s.output) got.push(`${c.stream}:${c.data}`);
      return got;
    };
    expect(await read(both)).toEqual(['stdout:out\n', 'stderr:err\n']);
    expect(await read(onlyErr)).toEqual(['stderr:err\n']);
    await hub.whenDrained();
    expect(stdinData).toEqual(['typed']);
    const late = hub.attach({ id: 'c', stdin: false, stdout: true, stderr: true });
    expect(await read(late)).toEqual([]);
    await log.close();
    expect(readFileSync(path, 'utf8')).toContain('"log":"out\\n","stream":"stdout"');
  });
});

describe('back-pressure', () => {
  it("pauses the container's output while an attached reader lags, and resumes once it has read", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const hub = new StdioHub({ stdin: null, stdout, stderr }, null);
    const session = hub.attach({ id: 'c', stdin: false, stdout: true, stderr: true });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 20; i++) stdout.write(chunk); // 1.25 MiB, more than one reader may hold back
    await new Promise((r) => setImmediate(r));
    expect(stdout.isPaused()).toBe(true);
    expect(stderr.isPaused()).toBe(true);
    let read = 0;
    const iterator = session.output[Symbol.asyncIterator]();
    while (read < 20 * chunk.length) read += (await iterator.next()).value!.data.length;
    expect(read).toBe(20 * chunk.length);
    expect(stdout.isPaused()).toBe(false);
    session.close();
    stdout.end();
    stderr.end();
    await hub.whenDrained();
  });
});

/** A session's output until it ends; fails if it is still open after `ms`. */
async function outputWithin(session: AttachSession, ms: number): Promise<string[]> {
  const chunks: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const read = (async () => {
    for await (const c of session.output) chunks.push(`${c.stream}:${c.data}`);
    return chunks;
  })();
  const stillOpen = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the session was still open after ${ms} ms, having read ${JSON.stringify(chunks)}`)), ms)));
  try {
    return await Promise.race([read, stillOpen]);
  } finally {
    clearTimeout(timer);
  }
}

describe('stdio hub made before its process', () => {
  it('keeps sessions and stdin until connect, then delivers; abandon ends sessions of a process that never ran', async () => {
    const hub = new StdioHub(null, null);
    const a = hub.attach({ id: 'c', stdin: true, stdout: true, stderr: true });
    const b = hub.attach({ id: 'c', stdin: false, stdout: true, stderr: false });
    a.writeStdin(Buffer.from('early '));
    b.writeStdin(Buffer.from('ignored: b has no stdin'));
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const typed: Buffer[] = [];
    stdin.on('data', (d: Buffer) => typed.push(d));
    hub.connect({ stdin, stdout, stderr });
    a.writeStdin(Buffer.from('late'));
    stdout.write('out');
    stderr.write('err');
    stdout.end();
    stderr.end();
    const seen = async (s: typeof a) => {
      const chunks: string[] = [];
      for await (const c of s.output) chunks.push(`${c.stream}:${c.data}`);
      return chunks;
    };
    expect(await seen(a)).toEqual(['stdout:out', 'stderr:err']);
    expect(await seen(b)).toEqual(['stdout:out']);
    expect(Buffer.concat(typed).toString()).toBe('early late');

    const never = new StdioHub(null, null);
    const c = never.attach({ id: 'c', stdin: false, stdout: true, stderr: true });
    never.abandon();
    expect(await seen(c)).toEqual([]);
  });

  it('ends its sessions for a process whose output had already ended and closed when it was connected (an exec of `true`)', async () => {
    // As the pipes of a process that wrote nothing and exited during its start: read to EOF, 'end' and 'close' past.
    const spent = async () => {
      const pipe = new PassThrough();
      pipe.end();
      pipe.resume();
      await once(pipe, 'close');
      return pipe;
    };
    const hub = new StdioHub(null, null);
    const s = hub.attach({ id: 'c', stdin: false, stdout: true, stderr: true });
    hub.connect({ stdin: null, stdout: await spent(), stderr: await spent() });
    expect(await outputWithin(s, 2000)).toEqual([]);
    await hub.whenDrained();

    // One stream spent, the other still to come: the sessions wait for it and get its output.
    const half = new StdioHub(null, null);
    const h = half.attach({ id: 'c', stdin: false, stdout: true, stderr: true });
    const stderr = new PassThrough();
    half.connect({ stdin: null, stdout: await spent(), stderr });
    stderr.end('late');
    expect(await outputWithin(h, 2000)).toEqual(['stderr:late']);
  });

  it('resizes a terminal and never ends its input on closeStdin', () => {
    const sizes: string[] = [];
    const tty = new PassThrough();
    const hub = new StdioHub({ stdin: tty, stdout: tty, stderr: null, pty: { resize: (w, h) => sizes.push(`${w}x${h}`) } }, null);
    const s = hub.attach({ id: 'c', stdin: true, stdout: true, stderr: true });
    s.resize(80, 24);
    s.closeStdin();
    expect(sizes).toEqual(['80x24']);
    expect(tty.writableEnded).toBe(false);
    s.close();
  });
});
