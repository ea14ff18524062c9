import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedPrecondition, notFound, type CallContext } from '@ce/protocol';
import { Container, LogStream, type InspectContainerRequest, type LogsRequest, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import { startDockerApi, type DockerApiServer, type Engine, type LocalServices } from '../../src/index.js';
import { containerFacts } from '../../src/streams/container-facts.js';

const out = (text: string): LogsResponse => ({ stream: LogStream.LOG_STREAM_STDOUT, data: Buffer.from(text) });
const err = (text: string): LogsResponse => ({ stream: LogStream.LOG_STREAM_STDERR, data: Buffer.from(text) });
/** 100 KiB of lines in 100 entries: more than the route gathers into one write. */
const longLog = Array.from({ length: 100 }, (_, i) => out(`${String(i).padStart(3, '0')} ${'x'.repeat(1019)}\n`));

/** ced's Containers service, in process as ced hosts it: a few containers with known logs. */
function containersService(seen: { inspects: InspectContainerRequest[]; follow: (() => void) | undefined }) {
  const containers: Record<string, { tty: boolean; log: LogsResponse[]; failAfter?: number; follows?: boolean }> = {
    web: { tty: false, log: [out('one\ntwo\n'), err('oops\n'), out('three\n')] },
    term: { tty: true, log: [out('raw\r\n')] },
    long: { tty: false, log: longLog },
    broken: { tty: false, log: [out('one\n')], failAfter: 1 },
    silent: { tty: false, log: [] },
    stopped: { tty: false, log: [out('bye\n')], follows: false },
    // UTF-8 past ASCII, a byte that is no UTF-8, and a line of 200 bytes (its frame's size byte is 0xc8).
    bytes: { tty: false, log: [out('h\u00e9llo \u2713\n'), { stream: LogStream.LOG_STREAM_STDERR, data: Buffer.from([0xff, 0x00, 0x80, 0x0a]) }, out(`${'\u00e9'.repeat(99)}\n`)] },
  };
  const find = (id: string) => {
    const c = containers[id];
    if (!c) throw notFound(`No such container: ${id}`);
    return c;
  };
  return {
    inspect: async (req: InspectContainerRequest) => {
      seen.inspects.push(req);
      const c = find(req.id);
      return Container.fromPartial({ id: req.id, name: `/${req.id}`, tty: c.tty, openStdin: false, stdinOnce: false, json: req.omitJson ? '' : `{"Id":"${req.id}"}` });
    },
    logs: async function* (req: LogsRequest, ctx: CallContext): AsyncGenerator<LogsResponse> {
      const c = find(req.id);
      for (const [i, entry] of c.log.entries()) {
        if (c.failAfter === i) throw failedPrecondition('the log went away');
        yield entry;
      }
      if (c.failAfter === c.log.length) throw failedPrecondition('the log went away');
      // ced follows only a running container.
      if (!req.follow || c.follows === false) return;
      // Followed: one more line when the test says, then the container stops.
      await new Promise<void>((resolve) => {
        seen.follow = resolve;
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      yield out('later\n');
    },
  } as unknown as NonNullable<LocalServices['containers']>;
}

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET on the socket, the reply's bytes as they came; `onHeaders` runs when the headers are in. */
function get(socketPath: string, path: string, onHeaders?: (headers: IncomingHttpHeaders) => void): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    request({ socketPath, method: 'GET', path }, (res) => {
      onHeaders?.(res.headers);
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

/** Docker's stdcopy frames, as the docker CLI splits them. */
function frames(body: Buffer): { stream: number; text: string }[] {
  const found: { stream: number; text: string }[] = [];
  for (let at = 0; at < body.length; ) {
    const size = body.readUInt32BE(at + 4);
    found.push({ stream: body[at]!, text: body.subarray(at + 8, at + 8 + size).toString() });
    at += 8 + size;
  }
  return found;
}

describe('GET /containers/{id}/logs, ced in process', () => {
  let dir: string;
  let socket: string;
  let server: DockerApiServer;
  const seen: { inspects: InspectContainerRequest[]; follow: (() => void) | undefined } = { inspects: [], follow: undefined };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-dockerapi-logs-'));
    socket = join(dir, 'docker.sock');
    const remote = { close() {} } as unknown as Engine['containers'];
    server = await startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: [`unix://${socket}`], engine: { containers: remote, close() {} } as Engine, local: { containers: containersService(seen) } });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a short log in one reply with its length: a frame per line, on its stream', async () => {
    seen.inspects.length = 0;
    const reply = await get(socket, '/v1.41/containers/web/logs?stdout=1&stderr=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(frames(reply.body)).toEqual([
      { stream: 1, text: 'one\n' },
      { stream: 1, text: 'two\n' },
      { stream: 2, text: 'oops\n' },
      { stream: 1, text: 'three\n' },
    ]);
    // The facts came without the ContainerJSON.
    expect(seen.inspects).toEqual([{ id: 'web', omitJson: true }]);
  });

  it('sends every byte of a short log as it is, past ASCII and in the frames\' sizes', async () => {
    const reply = await get(socket, '/v1.41/containers/bytes/logs?stdout=1&stderr=1');
    const frame = (stream: number, data: Buffer) => Buffer.concat([Buffer.from([stream, 0, 0, 0]), Buffer.from([0, 0, 0, data.length]), data]);
    const expected = Buffer.concat([frame(1, Buffer.from('h\u00e9llo \u2713\n')), frame(2, Buffer.from([0xff, 0x00, 0x80, 0x0a])), frame(1, Buffer.from(`${'\u00e9'.repeat(99)}\n`))]);
    expect(reply.headers['content-length']).toBe(String(expected.length));
    expect(reply.body.equals(expected)).toBe(true);
  });

  it('keeps only the streams asked for, and sends a TTY container\'s log raw', async () => {
    expect(frames((await get(socket, '/v1.41/containers/web/logs?stderr=1')).body)).toEqual([{ stream: 2, text: 'oops\n' }]);
    expect((await get(socket, '/v1.41/containers/silent/logs?stdout=1')).body.length).toBe(0);
    expect((await get(socket, '/v1.41/containers/term/logs?stdout=1')).body.toString()).toBe('raw\r\n');
  });

  it('streams a log longer than what it gathers, every line once and in order', async () => {
    const reply = await get(socket, '/v1.41/containers/long/logs?stdout=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(frames(reply.body).map((f) => f.text)).toEqual(longLog.map((e) => e.data.toString()));
  });

  it('answers a failure of a short log with its status and words, and an unknown container with a 404', async () => {
    const broken = await get(socket, '/v1.41/containers/broken/logs?stdout=1');
    expect({ status: broken.status, body: broken.body.toString() }).toEqual({ status: 409, body: '{"message":"the log went away"}\n' });
    const unknown = await get(socket, '/v1.41/containers/nosuch/logs?stdout=1');
    expect({ status: unknown.status, body: unknown.body.toString() }).toEqual({ status: 404, body: '{"message":"No such container: nosuch"}\n' });
  });

  it('sends a followed log\'s headers and lines so far while it waits for more, then its lines as they come', async () => {
    seen.follow = undefined;
    let headersIn = false;
    const reply = get(socket, '/v1.41/containers/web/logs?stdout=1&follow=1', () => (headersIn = true));
    await expect.poll(() => headersIn && seen.follow !== undefined).toBe(true);
    seen.follow!();
    const { body, headers } = await reply;
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(frames(body).map((f) => f.text)).toEqual(['one\n', 'two\n', 'three\n', 'later\n']);
  });

  it('sends a followed log that ends at once (a stopped container) in one reply with its length', async () => {
    const reply = await get(socket, '/v1.41/containers/stopped/logs?stdout=1&follow=1');
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    expect(frames(reply.body).map((f) => f.text)).toEqual(['bye\n']);
  });
});

describe('a container\'s facts', () => {
  const engineAnswering = (container: Container) => ({ containers: { inspect: (_req: unknown, cb: (e: null, c: Container) => void) => cb(null, container) } }) as unknown as Engine;

  it('come from the fields of a ced that omits the JSON, and from the JSON of an older one', async () => {
    const fields = Container.fromPartial({ id: 'a', tty: true, openStdin: true, stdinOnce: true, json: '' });
    expect(await containerFacts(engineAnswering(fields), 'a')).toEqual({ id: 'a', tty: true, openStdin: true, stdinOnce: true });
    const older = Container.fromPartial({ id: 'b', tty: false, json: '{"Config":{"OpenStdin":true,"StdinOnce":false}}' });
    expect(await containerFacts(engineAnswering(older), 'b')).toEqual({ id: 'b', tty: false, openStdin: true, stdinOnce: false });
  });
});
