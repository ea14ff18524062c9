// An exec's stdio under its ce-monitor (decision 0029), against a fake monitor
// speaking the socket protocol of native/monitor/attach.c: sessions attached
// before the start are joined to the monitor before its output is released.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AttachSession } from '@ce/protocol';
import { ExecMonitorStdio } from '../../src/monitor/exec-monitor-stdio.js';

/** The monitor's side: every request line in order, and what each attached client sent after its line. */
interface FakeMonitor {
  socket: string;
  requests: string[];
  stdin: Buffer[];
  /** Sends output to every attached client (a stdcopy frame). */
  output(stream: 1 | 2, text: string): void;
  /** Ends every attached client's output, as the monitor does once its process's output ended. */
  end(): void;
  close(): Promise<void>;
}

function frame(stream: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

async function fakeMonitor(dir: string): Promise<FakeMonitor> {
  const socket = join(dir, 'm.sock');
  const requests: string[] = [];
  const stdin: Buffer[] = [];
  const attached: Socket[] = [];
  const server: Server = createServer((conn) => {
    let buffered = Buffer.alloc(0);
    let line: string | undefined;
    conn.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      if (line === undefined) {
        const nl = buffered.indexOf('\n');
        if (nl < 0) return;
        line = buffered.subarray(0, nl).toString();
        buffered = buffered.subarray(nl + 1);
        requests.push(line);
        if (line.startsWith('attach ')) {
          attached.push(conn);
          conn.write(frame(0, Buffer.alloc(0)));
        } else {
          conn.end('ok\n');
        }
      }
      // Stdin frames: a u32 BE length and its bytes; an empty one closes the stdin.
      while (line.startsWith('attach ') && buffered.length >= 4) {
        const len = buffered.readUInt32BE(0);
        if (buffered.length < 4 + len) break;
        stdin.push(len ? buffered.subarray(4, 4 + len) : Buffer.from('<close>'));
        buffered = buffered.subarray(4 + len);
      }
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    requests,
    stdin,
    output: (stream, text) => attached.forEach((c) => c.write(frame(stream, Buffer.from(text)))),
    end: () => attached.forEach((c) => c.end()),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function collect(session: AttachSession): Promise<string[]> {
  return (async () => {
    const seen: string[] = [];
    for await (const c of session.output) seen.push(`${c.stream}:${c.data.toString()}`);
    return seen;
  })();
}

let dir: string;
let monitor: FakeMonitor;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ce-exec-monitor-stdio-'));
  monitor = await fakeMonitor(dir);
});
afterEach(async () => {
  await monitor.close();
  rmSync(dir, { recursive: true, force: true });
});

it('joins the sessions attached before the start to the monitor, then releases its output', async () => {
  const stdio = new ExecMonitorStdio();
  const a = stdio.attach({ id: 't', execId: 'e', stdin: false, stdout: true, stderr: true });
  const b = stdio.attach({ id: 't', execId: 'e', stdin: false, stdout: false, stderr: true });
  await a.ready;
  const outA = collect(a);
  const outB = collect(b);
  await stdio.connect(monitor.socket, new Promise(() => undefined));
  // Both attached (acknowledged) before the release: no output can have gone to nobody.
  expect(monitor.requests).toEqual(['attach 0 1 1', 'attach 0 0 1', 'release']);
  monitor.output(1, 'out');
  monitor.output(2, 'err');
  monitor.end();
  expect(await outA).toEqual(['stdout:out', 'stderr:err']);
  expect(await outB).toEqual(['stdout:out', 'stderr:err']); // the fake sends every stream; the request says what was asked
  // From now on an attach is the monitor's own.
  const later = stdio.attach({ id: 't', execId: 'e', stdin: false, stdout: true, stderr: false });
  await later.ready;
  later.close();
  expect(monitor.requests.at(-1)).toBe('attach 0 1 0');
});

it('sends the stdin typed before the start, then a CloseIO given before the start, on that session in order', async () => {
  const stdio = new ExecMonitorStdio();
  const session = stdio.attach({ id: 't', execId: 'e', stdin: true, stdout: true, stderr: true });
  session.writeStdin(Buffer.from('one\n'));
  session.writeStdin(Buffer.from('two\n'));
  await stdio.closeStdin();
  await stdio.resize(100, 40);
  await stdio.connect(monitor.socket, new Promise(() => undefined));
  await expect.poll(() => monitor.stdin.map((b) => b.toString())).toEqual(['one\n', 'two\n', '<close>']);
  expect(monitor.requests).toEqual(['attach 1 1 1', 'resize 100 40', 'release']);
  session.close();
});

it('ends the held sessions of an exec that never starts, and of one attached after that', async () => {
  const stdio = new ExecMonitorStdio();
  const before = collect(stdio.attach({ id: 't', execId: 'e', stdin: false, stdout: true, stderr: true }));
  stdio.abandon();
  expect(await before).toEqual([]);
  expect(await collect(stdio.attach({ id: 't', execId: 'e', stdin: false, stdout: true, stderr: true }))).toEqual([]);
  await expect(stdio.whenDrained()).resolves.toBeUndefined();
  expect(monitor.requests).toEqual([]);
});
