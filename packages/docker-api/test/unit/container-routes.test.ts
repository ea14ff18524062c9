import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedPrecondition, notFound, toStatusObject } from '@ce/protocol';
import { Container, WaitCondition, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import { startDockerApi, type DockerApiServer, type Engine } from '../../src/index.js';
import { httpOverUnix } from '../support/http-over-unix.js';

type Callback<T> = (err: Error | null, res?: T) => void;
/** A failure as a gRPC client sees it: the status with ce's code in its metadata. */
const grpcError = (err: Error) => Object.assign(new Error(err.message), toStatusObject(err));

/** A Containers service over one container, "web" (running), whose wait resolves when the test says. */
function fakeEngine(state: { waits: { condition: WaitCondition; done: (res: WaitContainerResponse) => void }[] }): Engine {
  const known = (id: string) => id === 'web';
  const containers = {
    inspect: (req: { id: string }, cb: Callback<Container>) =>
      known(req.id) ? cb(null, Container.fromPartial({ id: 'web', name: 'web', json: '{"Id":"web"}' })) : cb(grpcError(notFound(`No such container: ${req.id}`))),
    wait: (req: { id: string; condition: WaitCondition }, cb: Callback<WaitContainerResponse>) => {
      state.waits.push({ condition: req.condition, done: (res) => cb(null, res) });
      return { cancel() {} };
    },
    start: (_req: unknown, cb: Callback<{ alreadyStarted: boolean }>) => cb(null, { alreadyStarted: true }),
    stop: (_req: unknown, cb: Callback<{ alreadyStopped: boolean }>) => cb(null, { alreadyStopped: false }),
    kill: (req: { id: string }, cb: Callback<object>) => cb(grpcError(failedPrecondition(`Container ${req.id} is not running`))),
    list: (_req: unknown, cb: Callback<{ containers: Container[] }>) => cb(null, { containers: [] }),
  };
  return { containers, close() {} } as unknown as Engine;
}

describe('the containers routes', () => {
  let dir: string;
  let socket: string;
  let server: DockerApiServer;
  const state: Parameters<typeof fakeEngine>[0] = { waits: [] };
  const call = (method: string, path: string) => httpOverUnix(socket, method, path);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-dockerapi-containers-'));
    socket = join(dir, 'docker.sock');
    server = await startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: [`unix://${socket}`], engine: fakeEngine(state) });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a wait with its headers at once and its body when the container stops', async () => {
    const headers = await new Promise<{ status: number; body: Promise<string> }>((resolve, reject) => {
      request({ socketPath: socket, method: 'POST', path: '/v1.41/containers/web/wait?condition=next-exit' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        resolve({ status: res.statusCode ?? 0, body: new Promise((done) => res.on('end', () => done(text))) });
      })
        .on('error', reject)
        .end();
    });
    expect(headers.status).toBe(200);
    expect(state.waits.map((w) => w.condition)).toEqual([WaitCondition.WAIT_CONDITION_NEXT_EXIT]);
    state.waits[0]!.done({ exitCode: 3, error: '' });
    expect(JSON.parse(await headers.body)).toEqual({ Error: null, StatusCode: 3 });
  });

  it('answers a wait for a missing container with a 404 before any 200', async () => {
    expect(await call('POST', '/v1.41/containers/nope/wait')).toMatchObject({ status: 404, body: '{"message":"No such container: nope"}\n' });
  });

  it('answers 304 to a start that found the container running, 204 to a stop that stopped it', async () => {
    expect((await call('POST', '/v1.41/containers/web/start')).status).toBe(304);
    expect((await call('POST', '/v1.41/containers/web/stop?t=1')).status).toBe(204);
    expect((await call('POST', '/v1.41/containers/web/stop?t=x')).status).toBe(400);
  });

  it('words a failed kill as dockerd does, with its status', async () => {
    expect(await call('POST', '/v1.41/containers/web/kill')).toMatchObject({ status: 409, body: '{"message":"Cannot kill container: web: Container web is not running"}\n' });
  });

  it('refuses a list filter Docker does not know, in its words', async () => {
    const filters = encodeURIComponent(JSON.stringify({ bogus: ['1'] }));
    expect(await call('GET', `/v1.41/containers/json?filters=${filters}`)).toMatchObject({ status: 400, body: '{"message":"Invalid filter \'bogus\'"}\n' });
    expect(await call('GET', '/v1.41/containers/json')).toMatchObject({ status: 200, body: '[]\n' });
  });
});
