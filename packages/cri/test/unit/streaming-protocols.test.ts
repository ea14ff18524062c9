import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { terminalSizes } from '../../src/streaming/command-streams.js';
import { goDuration } from '../../src/streaming/container-exec.js';
import { nonZeroExit, statusJson, statusText } from '../../src/streaming/exec-status.js';
import { RequestCache } from '../../src/streaming/request-cache.js';
import { SPDY_HEADER_DICTIONARY } from '../../src/streaming/spdy-dictionary.js';
import { decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FrameReader, type SpdyFrame } from '../../src/streaming/spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor } from '../../src/streaming/spdy-header-zlib.js';
import { chooseWebSocketProtocol } from '../../src/streaming/websocket-command-streams.js';
import { streamHeaderProblem } from '../../src/streaming/port-forward.js';

async function* chunksOf(...texts: string[]) {
  for (const t of texts) yield Buffer.from(t);
}

describe('SPDY/3.1 framing', () => {
  it('the header dictionary is draft 3\'s: 1423 bytes, from "options" to "enq=0."', () => {
    expect(SPDY_HEADER_DICTIONARY.length).toBe(1423);
    expect(SPDY_HEADER_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from('\0\0\0\x07options', 'latin1'));
    expect(SPDY_HEADER_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
  });

  it('writes each frame as the draft lays it out, and reads it back even when split across chunks', () => {
    const frames: SpdyFrame[] = [
      { type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headerBlock: Buffer.from('hb') },
      { type: 'syn_reply', streamId: 1, flags: 0, headerBlock: Buffer.from('r') },
      { type: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') },
      { type: 'rst_stream', streamId: 5, status: 5 },
      { type: 'settings', entries: [{ flags: 0, id: 7, value: 65536 }] },
      { type: 'ping', id: 9 },
      { type: 'goaway', lastGoodStreamId: 7, status: 0 },
      { type: 'window_update', streamId: 3, delta: 1000 },
    ];
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f as Exclude<SpdyFrame, { type: 'unknown' }>)));
    // A control frame: control bit, version 3, type; a DATA frame: stream id, flags, 24-bit length.
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x80, 0x03, 0x00, 0x01]));
    const data = encodeFrame({ type: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') });
    expect(data).toEqual(Buffer.from([0, 0, 0, 3, 1, 0, 0, 5, ...Buffer.from('hello')]));
    const reader = new FrameReader();
    const read = [...reader.push(bytes.subarray(0, 13)), ...reader.push(bytes.subarray(13, 40)), ...reader.push(bytes.subarray(40))];
    expect(read).toEqual(frames);
  });

  it('skips control frames of another version or type', () => {
    const other = Buffer.from([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 2, 9, 9]);
    expect(new FrameReader().push(other)).toEqual([{ type: 'unknown', version: 2, controlType: 1 }]);
  });

  it('header blocks: lower-case names, multiple values joined by NUL', () => {
    const block = encodeHeaderBlock(new Map([['streamType', ['stdout']], ['X-Two', ['a', 'b']]]));
    expect(block.subarray(0, 4).readUInt32BE()).toBe(2);
    expect(decodeHeaderBlock(block)).toEqual(new Map([['streamtype', ['stdout']], ['x-two', ['a', 'b']]]));
    expect(() => decodeHeaderBlock(block.subarray(0, 9))).toThrow('SPDY header block is truncated');
  });

  it('compresses header blocks on one zlib stream primed with the dictionary, readable by a plain inflater with it', async () => {
    const compressor = new HeaderCompressor();
    const decompressor = new HeaderDecompressor();
    const first = encodeHeaderBlock(new Map([['streamtype', ['error']]]));
    const second = encodeHeaderBlock(new Map([['streamtype', ['stdout']], ['port', ['80']]]));
    const a = await compressor.compress(first);
    const b = await compressor.compress(second);
    // The zlib header says a dictionary is needed (FDICT) and names draft 3's by its Adler-32.
    expect(a[1]! & 0x20).toBe(0x20);
    expect(inflateSync(a, { dictionary: SPDY_HEADER_DICTIONARY, finishFlush: 2 })).toEqual(first);
    expect(await decompressor.decompress(a)).toEqual(first);
    expect(await decompressor.decompress(b)).toEqual(second);
    // Another peer's stream, made by one-shot zlib with the dictionary (as Go's zlib.NewWriterLevelDict).
    const fresh = new HeaderDecompressor();
    expect(await fresh.decompress(deflateSync(first, { dictionary: SPDY_HEADER_DICTIONARY, finishFlush: 2 }))).toEqual(first);
    for (const z of [compressor, decompressor, fresh]) z.close();
  });
});

describe('the one-time tokens', () => {
  it('a token is consumed by its first use, expires after its TTL, and at most maxInFlight wait', () => {
    let now = 1000;
    const cache = new RequestCache<string>(60_000, 2, () => now);
    const a = cache.insert('exec a');
    expect(a).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(cache.consume(a)).toBe('exec a');
    expect(cache.consume(a)).toBeUndefined();
    const b = cache.insert('b');
    cache.insert('c');
    expect(() => cache.insert('d')).toThrow('maximum number of in-flight requests exceeded');
    now += 60_000;
    expect(cache.consume(b)).toBeUndefined();
    // The expired ones no longer count.
    expect(() => cache.insert('e')).not.toThrow();
    expect(cache.size).toBe(1);
  });
});

describe('the exec status on the error stream', () => {
  it('v4: metav1.Status JSON, as the kubelet marshals it', () => {
    expect(statusJson({})).toBe('{"metadata":{},"status":"Success"}');
    expect(statusJson(nonZeroExit(['sh', '-c', 'exit 3'], 3))).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
    expect(JSON.parse(statusJson({ message: 'failed to exec in container: container is in CONTAINER_EXITED state' }))).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: error executing command in container: failed to exec in container: container is in CONTAINER_EXITED state',
      reason: 'InternalError',
      details: { causes: [{ message: 'error executing command in container: failed to exec in container: container is in CONTAINER_EXITED state' }] },
      code: 500,
    });
  });

  it('v1–v3: the message alone, nothing on success', () => {
    expect(statusText({})).toBe('');
    expect(statusText(nonZeroExit(['false'], 1))).toBe('command terminated with non-zero exit code: error executing command [false], exit code 1');
  });

  it('Go duration words for the ExecSync timeout', () => {
    expect([goDuration(1), goDuration(90), goDuration(3600)]).toEqual(['1s', '1m30s', '1h0m0s']);
  });
});

describe('terminal sizes', () => {
  it('reads JSON objects as client-go writes them, split anywhere; a malformed one ends the resizes', async () => {
    const sizes = [];
    for await (const s of terminalSizes(chunksOf('{"Width":80,"Hei', 'ght":24}\n{"width":100,"height":40}', '{bad}{"Width":1,"Height":1}'))) sizes.push(s);
    expect(sizes).toEqual([
      { width: 80, height: 24 },
      { width: 100, height: 40 },
    ]);
  });
});

describe('protocol negotiation and port-forward headers', () => {
  it('WebSocket: the client\'s first protocol the server speaks; "" when it offers none', () => {
    expect(chooseWebSocketProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(chooseWebSocketProtocol(['x', 'base64.channel.k8s.io'])).toBe('base64.channel.k8s.io');
    expect(chooseWebSocketProtocol([])).toBe('');
    expect(chooseWebSocketProtocol(['v9.channel.k8s.io'])).toBeUndefined();
  });

  it('a port-forward stream needs a port 1-65535 and a streamType of error or data', () => {
    const h = (headers: Record<string, string>) => ({ header: (n: string) => headers[n] ?? '' });
    expect(streamHeaderProblem(h({ port: '80', streamType: 'data' }))).toBeUndefined();
    expect(streamHeaderProblem(h({ streamType: 'data' }))).toBe('"port" header is required');
    expect(streamHeaderProblem(h({ port: '0', streamType: 'data' }))).toBe('port "0" must be > 0');
    expect(streamHeaderProblem(h({ port: '70000', streamType: 'data' }))).toMatch(/^unable to parse "70000" as a port/);
    expect(streamHeaderProblem(h({ port: '80', streamType: 'stdout' }))).toBe('invalid stream type "stdout"');
  });
});
