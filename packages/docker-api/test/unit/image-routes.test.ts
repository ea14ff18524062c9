// The images endpoints over a fake image service: Docker's shapes, statuses
// and streamed messages, and what reaches ced's calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CeError, notFound } from '@ce/protocol';
import { EventEmitter } from 'node:events';
import type { BuildOptions, BuildRequest } from '@ce/protocol/gen/ce/build/v1/build';
import type { Image, PullRequest, PullResponse, PushRequest, PushResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { startDockerApi, type DockerApiServer, type Engine } from '../../src/index.js';

type Callback<T> = (err: Error | null, res?: T) => void;

const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_B = `sha256:${'b'.repeat(64)}`;
const image = (name: string, id: string, created: string, configLabels: Record<string, string> = {}): Image => ({
  name,
  id,
  created: new Date(created),
  createdAt: new Date('2026-12-01T00:00:00Z'),
  size: 1000,
  labels: {},
  configLabels,
  target: undefined,
});

/** A server-streaming call as grpc-js gives it: messages, then the end or an error. */
function streamCall<T>(messages: T[], failWith?: Error): AsyncIterable<T> & { cancel(): void } {
  return {
    cancel() {},
    async *[Symbol.asyncIterator]() {
      for (const m of messages) yield m;
      if (failWith) throw failWith;
    },
  };
}

interface Calls {
  pulls: PullRequest[];
  pushes: PushRequest[];
  prunes: unknown[];
  buildPrunes: unknown[];
  tags: unknown[];
  logins: unknown[];
  commits: unknown[];
  builds: { options: BuildOptions; context: string }[];
}

function fakeEngine(calls: Calls, script: { pull: () => ReturnType<typeof streamCall<PullResponse>> }): Engine {
  const images = {
    list: (_req: unknown, cb: Callback<unknown>) =>
      cb(null, {
        images: [
          image('docker.io/library/busybox:latest', ID_A, '2024-01-01T00:00:00Z', { tier: 'web' }),
          image('127.0.0.1:5000/team/app:v1', ID_A, '2024-01-01T00:00:00Z', { tier: 'web' }),
          image('127.0.0.1:5000/team/app:v2', ID_A, '2024-01-01T00:00:00Z', { tier: 'web' }),
          image('127.0.0.1:5000/team/app@sha256:' + 'c'.repeat(64), ID_A, '2024-01-01T00:00:00Z', { tier: 'web' }),
          image('docker.io/library/alpine:3.18', ID_B, '2024-06-01T00:00:00Z'),
        ],
      }),
    remove: (req: { reference: string; force: boolean }, cb: Callback<unknown>) =>
      req.reference === 'busybox' && !req.force
        ? cb(new CeError('Conflict', 'conflict: unable to delete aaaaaaaaaaaa (must be forced) - image is referenced in multiple repositories'))
        : cb(null, { untagged: ['busybox:latest'], deleted: [ID_A] }),
    tag: (req: unknown, cb: Callback<unknown>) => {
      calls.tags.push(req);
      cb(null, {});
    },
    prune: (req: unknown, cb: Callback<unknown>) => {
      calls.prunes.push(req);
      cb(null, { untagged: [], deleted: [], reclaimedBytes: 0, partialDownloads: [] });
    },
    pull: (req: PullRequest) => {
      calls.pulls.push(req);
      return script.pull();
    },
    listTags: (req: { repository: string }, cb: Callback<unknown>) =>
      req.repository === '127.0.0.1:5000/team/app'
        ? cb(null, { tags: ['v1', 'v2'] })
        : cb(notFound(`repository ${req.repository} not found: name unknown: repository name not known to registry`)),
    push: (req: PushRequest) => {
      calls.pushes.push(req);
      const tag = req.reference.split(':').at(-1)!;
      return streamCall<PushResponse>([
        { progress: { id: 'c5ce513c3f8e', status: 'Preparing', current: 0, total: 0 } },
        { progress: { id: 'c5ce513c3f8e', status: 'Pushed', current: 0, total: 0 } },
        { result: { name: req.reference, digest: `sha256:${tag.repeat(32)}`, size: 527 } },
      ]);
    },
    login: (req: { auth: { password: string } }, cb: Callback<unknown>) => {
      calls.logins.push(req);
      if (req.auth.password !== 'pw') return cb(new CeError('PermissionDenied', 'login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized'));
      cb(null, { status: 'Login Succeeded' });
    },
    history: (_req: unknown, cb: Callback<unknown>) => cb(notFound('No such image: nosuch:latest')),
  };
  const containers = {
    commit: (req: unknown, cb: Callback<unknown>) => {
      calls.commits.push(req);
      cb(null, { id: ID_B });
    },
  };
  return { images, containers, builder: fakeBuilder(calls), close() {} } as unknown as Engine;
}

/**
 * ced's Builder as a bidirectional call: it takes the options and the
 * context, then answers as the script of the Dockerfile's first word says
 * (`ok`: output and an image id; `fail`: output, the exit code, an error).
 */
function fakeBuilder(calls: Calls) {
  return {
    build() {
      const call = new EventEmitter() as EventEmitter & { write(m: BuildRequest): boolean; end(): void; cancel(): void };
      const received: BuildRequest[] = [];
      call.write = (m) => (received.push(m), true);
      call.cancel = () => undefined;
      call.end = () => {
        const context = Buffer.concat(received.map((r) => r.context)).toString();
        calls.builds.push({ options: received[0]!.options!, context });
        setImmediate(() => {
          call.emit('data', { output: Buffer.from('Step 1/1 : FROM busybox\n') });
          if (context.startsWith('fail')) {
            call.emit('data', { failedExitCode: 3 });
            const err = Object.assign(new Error("The command '/bin/sh -c exit 3' returned a non-zero code: 3"), { code: 9, details: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" });
            call.emit('error', err);
            return;
          }
          call.emit('data', { imageId: ID_B });
          call.emit('data', { output: Buffer.from('Successfully built bbbbbbbbbbbb\n') });
          call.emit('end');
        });
      };
      return call;
    },
    prune(req: unknown, cb: Callback<unknown>) {
      calls.buildPrunes.push(req);
      setImmediate(() => cb(null, calls.buildPrunes.length === 1 ? { deleted: [ID_B], reclaimedBytes: 4096 } : { deleted: [], reclaimedBytes: 0 }));
    },
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(socketPath: string, method: string, path: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: o.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const lines = (body: string) => body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the images endpoints', () => {
  let dir: string;
  let socket: string;
  let server: DockerApiServer;
  let calls: Calls;
  const script = { pull: () => streamCall<PullResponse>([]) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-dockerapi-images-'));
    socket = join(dir, 'docker.sock');
    calls = { pulls: [], pushes: [], prunes: [], buildPrunes: [], tags: [], logins: [], commits: [], builds: [] };
    server = await startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: [`unix://${socket}`], engine: fakeEngine(calls, script), serverName: 'ce/test (linux)' });
  });

  beforeEach(() => {
    for (const list of Object.values(calls)) list.length = 0;
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists one ImageSummary per image id, its names in familiar form', async () => {
    const reply = await http(socket, 'GET', '/v1.41/images/json');
    expect(reply.status).toBe(200);
    const summaries = JSON.parse(reply.body) as Record<string, unknown>[];
    expect(summaries).toEqual([
      {
        Containers: -1,
        Created: 1704067200,
        Id: ID_A,
        Labels: { tier: 'web' },
        ParentId: '',
        RepoDigests: [`127.0.0.1:5000/team/app@sha256:${'c'.repeat(64)}`],
        RepoTags: ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v2', 'busybox:latest'],
        SharedSize: -1,
        Size: 1000,
        VirtualSize: 1000,
      },
      expect.objectContaining({ Id: ID_B, Labels: null, RepoTags: ['alpine:3.18'], RepoDigests: null }),
    ]);
  });

  it('filters as docker images does, a reference filter keeping only the names it matched', async () => {
    const byLabel = JSON.parse((await http(socket, 'GET', `/images/json?filters=${encodeURIComponent('{"label":["tier=web"]}')}`)).body) as { Id: string; RepoTags: string[] }[];
    expect(byLabel.map((s) => s.Id)).toEqual([ID_A]);
    expect(byLabel[0]!.RepoTags).toHaveLength(3);
    const byRef = JSON.parse((await http(socket, 'GET', `/images/json?filters=${encodeURIComponent('{"reference":{"busybox":true}}')}`)).body) as { RepoTags: string[] }[];
    expect(byRef.map((s) => s.RepoTags)).toEqual([['busybox:latest']]);
    const bad = await http(socket, 'GET', `/images/json?filters=${encodeURIComponent('{"bogus":["1"]}')}`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ message: "Invalid filter 'bogus'" });
  });

  it('streams a pull in dockerd\'s messages and passes the X-Registry-Auth credentials and the platform on', async () => {
    script.pull = () =>
      streamCall<PullResponse>([
        { progress: { id: 'c5ce513c3f8e', status: 'Pulling fs layer', current: 0, total: 0 } },
        { progress: { id: 'c5ce513c3f8e', status: 'Downloading', current: 36445, total: 1069674 } },
        { progress: { id: 'c5ce513c3f8e', status: 'Pull complete', current: 0, total: 0 } },
        { result: { name: '127.0.0.1:5000/team/app:v1', digest: `sha256:${'d'.repeat(64)}`, updated: true, image: undefined } },
      ]);
    const auth = Buffer.from(JSON.stringify({ username: 'u', password: 'pw', serveraddress: '127.0.0.1:5000' })).toString('base64url');
    const reply = await http(socket, 'POST', '/v1.41/images/create?fromImage=127.0.0.1:5000/team/app&tag=v1&platform=linux/arm64/v8', { headers: { 'X-Registry-Auth': auth } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(lines(reply.body)).toEqual([
      { status: 'Pulling from team/app', id: 'v1' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'c5ce513c3f8e' },
      { status: 'Downloading', progressDetail: { current: 36445, total: 1069674 }, progress: '[=>                                                 ]  36.45kB/1.07MB', id: 'c5ce513c3f8e' },
      { status: 'Pull complete', progressDetail: {}, id: 'c5ce513c3f8e' },
      { status: `Digest: sha256:${'d'.repeat(64)}` },
      { status: 'Status: Downloaded newer image for 127.0.0.1:5000/team/app:v1' },
    ]);
    expect(calls.pulls).toEqual([
      { reference: '127.0.0.1:5000/team/app:v1', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, auth: { username: 'u', password: 'pw', identityToken: '', registryToken: '' } },
    ]);
  });

  it('answers a pull that fails before any message with a plain error, and one that fails midway with an error message', async () => {
    script.pull = () => streamCall<PullResponse>([], notFound('manifest for 127.0.0.1:5000/team/nope:v1 not found: manifest unknown: manifest unknown'));
    const before = await http(socket, 'POST', '/images/create?fromImage=127.0.0.1:5000/team/nope&tag=v1');
    expect(before.status).toBe(404);
    expect(JSON.parse(before.body)).toEqual({ message: 'manifest for 127.0.0.1:5000/team/nope:v1 not found: manifest unknown: manifest unknown' });

    script.pull = () => streamCall<PullResponse>([], new CeError('Unavailable', 'Get "http://127.0.0.1:5099/v2/": connection refused'));
    const unreachable = await http(socket, 'POST', '/images/create?fromImage=127.0.0.1:5099/x&tag=v1');
    expect(unreachable.status).toBe(500); // dockerd's status for a registry it cannot reach

    script.pull = () => streamCall<PullResponse>([{ progress: { id: 'c5ce513c3f8e', status: 'Pulling fs layer', current: 0, total: 0 } }], new CeError('Internal', 'unexpected EOF'));
    const midway = await http(socket, 'POST', '/images/create?fromImage=busybox&tag=latest');
    expect(midway.status).toBe(200);
    expect(lines(midway.body).at(-1)).toEqual({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' });
  });

  it('cancels ced\'s pull when the client goes away midway', async () => {
    let cancelled!: () => void;
    const cancel = new Promise<void>((resolve) => (cancelled = resolve));
    script.pull = () => ({
      cancel: () => cancelled(),
      async *[Symbol.asyncIterator]() {
        yield { progress: { id: 'c5ce513c3f8e', status: 'Pulling fs layer', current: 0, total: 0 } } as PullResponse;
        await cancel;
        throw new CeError('Canceled', 'Cancelled on client');
      },
    });
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: socket, method: 'POST', path: '/images/create?fromImage=busybox&tag=latest' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    await cancel; // the test times out if ced's call is never cancelled
  });

  it('pulls every tag the registry lists when fromImage has neither tag nor digest, with one status for them all', async () => {
    script.pull = () => streamCall<PullResponse>([{ result: { name: '', digest: `sha256:${'d'.repeat(64)}`, updated: calls.pulls.length === 2, image: undefined } }]);
    const all = await http(socket, 'POST', '/images/create?fromImage=127.0.0.1:5000/team/app');
    expect(all.status).toBe(200);
    expect(lines(all.body)).toEqual([
      { status: 'Pulling from team/app', id: 'v1' },
      { status: `Digest: sha256:${'d'.repeat(64)}` },
      { status: 'Pulling from team/app', id: 'v2' },
      { status: `Digest: sha256:${'d'.repeat(64)}` },
      { status: 'Status: Downloaded newer image for 127.0.0.1:5000/team/app' },
    ]);
    expect(calls.pulls.map((p) => p.reference)).toEqual(['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v2']);
    const unknown = await http(socket, 'POST', '/images/create?fromImage=127.0.0.1:5000/team/nope');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).message).toBe('repository 127.0.0.1:5000/team/nope not found: name unknown: repository name not known to registry');
  });

  it('refuses a bad platform, naming the problem', async () => {
    const platform = await http(socket, 'POST', '/images/create?fromImage=busybox&tag=1&platform=linux');
    expect(platform.status).toBe(400);
    expect(calls.pulls).toEqual([]);
  });

  it('pushes one tag, or every tag of the repository, with the aux record of each', async () => {
    const missingAuth = await http(socket, 'POST', '/images/127.0.0.1:5000/team/app/push?tag=v1');
    expect(missingAuth.status).toBe(400);
    expect(JSON.parse(missingAuth.body)).toEqual({ message: 'Bad parameters and missing X-Registry-Auth: EOF' });

    const one = await http(socket, 'POST', '/images/127.0.0.1:5000/team/app/push?tag=v1', { headers: { 'X-Registry-Auth': 'e30=' } });
    expect(lines(one.body)).toEqual([
      { status: 'The push refers to repository [127.0.0.1:5000/team/app]' },
      { status: 'Preparing', progressDetail: {}, id: 'c5ce513c3f8e' },
      { status: 'Pushed', progressDetail: {}, id: 'c5ce513c3f8e' },
      { status: `v1: digest: sha256:${'v1'.repeat(32)} size: 527` },
      { progressDetail: {}, aux: { Tag: 'v1', Digest: `sha256:${'v1'.repeat(32)}`, Size: 527 } },
    ]);
    expect(calls.pushes).toEqual([{ reference: '127.0.0.1:5000/team/app:v1', auth: undefined }]);

    calls.pushes.length = 0;
    await http(socket, 'POST', '/images/127.0.0.1:5000/team/app/push', { headers: { 'X-Registry-Auth': 'e30=' } });
    expect(calls.pushes.map((p) => p.reference)).toEqual(['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v2']);
  });

  it('tags (201), removes with Docker\'s records and conflicts, and prunes with dangling=false as -a', async () => {
    expect((await http(socket, 'POST', '/images/busybox/tag?repo=127.0.0.1:5000/x&tag=t1')).status).toBe(201);
    expect(calls.tags).toEqual([{ source: 'busybox', target: '127.0.0.1:5000/x:t1' }]);
    expect((await http(socket, 'POST', '/images/busybox/tag?repo=x&tag=bad:tag')).status).toBe(400);

    const conflict = await http(socket, 'DELETE', '/images/busybox');
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body).message).toContain('(must be forced) - image is referenced in multiple repositories');
    const removed = await http(socket, 'DELETE', '/images/busybox?force=1');
    expect(JSON.parse(removed.body)).toEqual([{ Untagged: 'busybox:latest' }, { Deleted: ID_A }]);

    const pruned = await http(socket, 'POST', `/images/prune?filters=${encodeURIComponent('{"dangling":["false"],"until":["24h"]}')}`);
    expect(JSON.parse(pruned.body)).toEqual({ ImagesDeleted: null, SpaceReclaimed: 0 });
    expect(calls.prunes).toEqual([{ all: true, filters: [{ key: 'until', value: '24h' }] }]);
  });

  it('checks a login as dockerd does: Login Succeeded, or its 500 with the registry\'s words', async () => {
    const ok = await http(socket, 'POST', '/auth', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'u', password: 'pw', serveraddress: 'http://127.0.0.1:5000/v2/' }) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ IdentityToken: '', Status: 'Login Succeeded' });
    expect(calls.logins[0]).toMatchObject({ server: '127.0.0.1:5000', auth: { username: 'u', password: 'pw' } });
    const refused = await http(socket, 'POST', '/auth', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'u', password: 'bad', serveraddress: '127.0.0.1:5000' }) });
    expect(refused.status).toBe(500);
    expect(JSON.parse(refused.body)).toEqual({ message: 'login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized' });
  });

  it('commits with the query\'s options and the Config body, pausing by default (201 {Id})', async () => {
    const reply = await http(socket, 'POST', '/commit?container=c1&repo=app&tag=v2&comment=m&author=me&changes=ENV%20A%3D1&changes=CMD%20sh');
    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.body)).toEqual({ Id: ID_B });
    expect(calls.commits).toEqual([{ id: 'c1', reference: 'app:v2', comment: 'm', author: 'me', changes: ['ENV A=1', 'CMD sh'], pause: true, configJson: '' }]);
    await http(socket, 'POST', '/commit?container=c1&repo=app&pause=0', { headers: { 'Content-Type': 'application/json' }, body: '{"Env":["Y=2"],"Cmd":["echo","hi"]}' });
    expect(calls.commits[1]).toMatchObject({ reference: 'app', pause: false, configJson: '{"Env":["Y=2"],"Cmd":["echo","hi"]}' });
    const notJson = await http(socket, 'POST', '/commit?container=c1&repo=app', { headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toEqual({ message: "Content-Type specified (text/plain) must be 'application/json'" });
  });

  it('prunes the build cache as dockerd reports it (null when nothing went), refusing what would keep part of it', async () => {
    const first = await http(socket, 'POST', `/v1.41/build/prune?keep-storage=0&filters=${encodeURIComponent('{}')}`);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ CachesDeleted: [ID_B], SpaceReclaimed: 4096 });
    expect(JSON.parse((await http(socket, 'POST', '/build/prune?all=1')).body)).toEqual({ CachesDeleted: null, SpaceReclaimed: 0 });
    const keep = await http(socket, 'POST', '/build/prune?keep-storage=1000');
    expect(keep.status).toBe(400);
    expect(JSON.parse(keep.body).message).toBe('keep-storage is not supported: ce prunes its build cache whole');
    const filtered = await http(socket, 'POST', `/build/prune?filters=${encodeURIComponent('{"until":["24h"]}')}`);
    expect(filtered.status).toBe(400);
    expect(calls.buildPrunes).toHaveLength(2);
  });

  it('builds with ced\'s builder: the query as options, the body as context, the output as stream messages and the id as aux', async () => {
    const query = 't=app:1&t=app:latest&dockerfile=sub/Dockerfile&buildargs=' + encodeURIComponent('{"A":"1","B":null}') + '&labels=' + encodeURIComponent('{"team":"ce"}') + '&target=final&nocache=1&networkmode=host';
    const reply = await http(socket, 'POST', `/v1.41/build?${query}`, { headers: { 'Content-Type': 'application/x-tar' }, body: 'context bytes' });
    expect(reply.status).toBe(200);
    expect(lines(reply.body)).toEqual([{ stream: 'Step 1/1 : FROM busybox\n' }, { aux: { ID: ID_B } }, { stream: 'Successfully built bbbbbbbbbbbb\n' }]);
    expect(calls.builds.at(-1)).toEqual({
      options: expect.objectContaining({ dockerfilePath: 'sub/Dockerfile', tags: ['app:1', 'app:latest'], buildArgs: { A: '1' }, unsetBuildArgs: ['B'], labels: { team: 'ce' }, target: 'final', noCache: true, pull: false, network: 'host' }),
      context: 'context bytes',
    });
  });

  it('ends a failed build with Docker\'s errorDetail and the step\'s exit code', async () => {
    const reply = await http(socket, 'POST', '/build', { headers: { 'Content-Type': 'application/x-tar' }, body: 'fail please' });
    const message = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
    expect(lines(reply.body)).toEqual([{ stream: 'Step 1/1 : FROM busybox\n' }, { errorDetail: { code: 3, message }, error: message }]);
    expect(reply.body).toContain('{"errorDetail":{"code":3,"message"');
  });

  it('passes ced\'s errors on with their status', async () => {
    const reply = await http(socket, 'GET', '/images/nosuch/history');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ message: 'No such image: nosuch:latest' });
  });
});
