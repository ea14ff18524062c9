import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, EventsRequest } from '@ce/protocol/gen/ce/api/v1/events';
import { startDockerApi, type DockerApiServer, type Engine } from '../../src/index.js';
import { httpOverUnix } from '../support/http-over-unix.js';

/** A fake Events client: each subscribe is a stream the test drives (accept, push events, refuse). */
interface FakeCall {
  request: EventsRequest;
  stream: PassThrough & { cancel(): void; cancelled: boolean };
}

function fakeEngine(calls: FakeCall[], onCall: (call: FakeCall) => void): Engine {
  const events = {
    subscribe(req: EventsRequest) {
      const stream = Object.assign(new PassThrough({ objectMode: true }), {
        cancelled: false,
        cancel() {
          stream.cancelled = true;
          stream.emit('error', Object.assign(new Error('1 CANCELLED: Cancelled on client'), { code: status.CANCELLED, details: 'Cancelled on client', metadata: new Metadata() }));
        },
      });
      const call = { request: req, stream };
      calls.push(call);
      setImmediate(() => onCall(call));
      return stream;
    },
  };
  return { events, close() {} } as unknown as Engine;
}

const event = (action: string): Event => ({ type: 'container', action, actor: { id: 'c1', attributes: { image: 'busybox', name: 'web' } }, scope: 'local', time: 1796610520, timeNano: '1796610520140339036' });

describe('GET /events', () => {
  let dir: string;
  let socket: string;
  let server: DockerApiServer;
  const calls: FakeCall[] = [];
  let behave: (call: FakeCall) => void = () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-dockerapi-events-'));
    socket = join(dir, 'docker.sock');
    server = await startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: [`unix://${socket}`], engine: fakeEngine(calls, (c) => behave(c)) });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes since, until and filters to ced, and streams dockerd's lines until ced ends", async () => {
    behave = (call) => {
      call.stream.emit('metadata', new Metadata());
      call.stream.write(event('create'));
      call.stream.end(event('start'));
    };
    const reply = await httpOverUnix(socket, 'GET', `/v1.41/events?since=10.5&until=20&filters=${encodeURIComponent('{"container":{"web":true},"type":["container"]}')}`);
    expect(calls.at(-1)!.request).toEqual({ since: '10.5', until: '20', filters: [{ key: 'container', value: 'web' }, { key: 'type', value: 'container' }] });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.body.split('\n')).toEqual([
      '{"status":"create","id":"c1","from":"busybox","Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1796610520,"timeNano":1796610520140339036}',
      '{"status":"start","id":"c1","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1796610520,"timeNano":1796610520140339036}',
      '',
    ]);
  });

  it('answers with its headers once ced accepts, before any event, and cancels the subscription when the client goes', async () => {
    behave = (call) => call.stream.emit('metadata', new Metadata());
    const statusCode = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: socket, path: '/v1.41/events' }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject).end();
    });
    expect(statusCode).toBe(200);
    const call = calls.at(-1)!;
    await expect.poll(() => call.stream.cancelled).toBe(true);
  });

  it("replies with ced's refusal (a 400) before any header", async () => {
    behave = (call) => call.stream.emit('error', Object.assign(new Error('3 INVALID_ARGUMENT: bad'), { code: status.INVALID_ARGUMENT, details: '`since` time (20) cannot be after `until` time (10)', metadata: new Metadata() }));
    const reply = await httpOverUnix(socket, 'GET', '/v1.41/events?since=20&until=10');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ message: '`since` time (20) cannot be after `until` time (10)' });
  });
});
