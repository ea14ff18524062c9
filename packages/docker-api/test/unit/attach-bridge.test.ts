import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputQueue, type AttachSession, type OutputChunk } from '@ce/protocol';
import { bridgeSession, type BridgeOptions } from '../../src/streams/attach-bridge.js';
import { OutputSink } from '../../src/streams/output-sink.js';

/** An attach session whose process is played by the test: what it was sent, and output to push. */
function fakeSession() {
  const output = new OutputQueue<OutputChunk>();
  const seen = { stdin: [] as string[], stdinClosed: false, closed: false };
  const session: AttachSession = {
    ready: Promise.resolve(),
    output,
    writeStdin: (data) => void seen.stdin.push(data.toString()),
    closeStdin: () => void (seen.stdinClosed = true),
    resize: () => undefined,
    close: () => {
      seen.closed = true;
      output.end();
    },
  };
  return { session, output, seen };
}

/** A hijacked connection: what the client sends, and what it receives. */
function fakeConnection() {
  const input = new PassThrough();
  const output = new PassThrough();
  let received = Buffer.alloc(0);
  output.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  return { stream: { input, output, halfClosable: true, close: () => output.end() }, received: () => received };
}

const options = (o: Partial<BridgeOptions> = {}): BridgeOptions => ({ stdin: true, detachKeys: Buffer.from([0x10, 0x11]), closeStdinOnEnd: true, ...o });

describe('an attach bridged to a hijacked connection', () => {
  it('frames output without a TTY, forwards stdin, and with StdinOnce the half-close closes stdin while output goes on', async () => {
    const { session, output, seen } = fakeSession();
    const conn = fakeConnection();
    const ended = bridgeSession(session, conn.stream, new OutputSink(conn.stream.output, true), options());
    conn.stream.input.write('in\n');
    conn.stream.input.end();
    await expect.poll(() => seen.stdinClosed).toBe(true);
    output.push({ stream: 'stdout', data: Buffer.from('out') });
    output.push({ stream: 'stderr', data: Buffer.from('e') });
    output.end();
    expect(await ended).toBe('output-ended');
    expect(seen).toEqual({ stdin: ['in\n'], stdinClosed: true, closed: false });
    expect([...conn.received()]).toEqual([1, 0, 0, 0, 0, 0, 0, 3, ...Buffer.from('out'), 2, 0, 0, 0, 0, 0, 0, 1, ...Buffer.from('e')]);
  });

  it('without StdinOnce (or with a TTY) the half-close ends the attach, as dockerd\'s copier does, and the process keeps its stdin', async () => {
    const { session, seen } = fakeSession();
    const conn = fakeConnection();
    const ended = bridgeSession(session, conn.stream, new OutputSink(conn.stream.output, false), options({ closeStdinOnEnd: false }));
    conn.stream.input.end();
    expect(await ended).toBe('input-ended');
    expect(seen).toMatchObject({ stdinClosed: false, closed: true });
  });

  it('ends on the detach keys, holding back their bytes and passing on a sequence that did not complete', async () => {
    const { session, seen } = fakeSession();
    const conn = fakeConnection();
    const ended = bridgeSession(session, conn.stream, new OutputSink(conn.stream.output, false), options());
    conn.stream.input.write(Buffer.from([0x61, 0x10, 0x62]));
    conn.stream.input.write(Buffer.from([0x10, 0x11, 0x63]));
    expect(await ended).toBe('detached');
    expect(seen).toMatchObject({ stdin: ['a\u0010b'], stdinClosed: false, closed: true });
  });

  it('ignores the client\'s input when stdin was not asked for, and ends when the client goes', async () => {
    const { session, seen } = fakeSession();
    const conn = fakeConnection();
    const ended = bridgeSession(session, conn.stream, new OutputSink(conn.stream.output, false), options({ stdin: false }));
    conn.stream.input.write('ignored');
    conn.stream.input.end();
    conn.stream.output.destroy();
    expect(await ended).toBe('client-gone');
    expect(seen).toMatchObject({ stdin: [], stdinClosed: false, closed: true });
  });
});
