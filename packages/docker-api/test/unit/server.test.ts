import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFound } from '@ce/protocol';
import { InfoResponse, VersionResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { startDockerApi, type DockerApiServer, type Engine } from '../../src/index.js';
import { httpOverUnix } from '../support/http-over-unix.js';

type Callback<T> = (err: Error | null, res?: T) => void;

/** An engine whose System answers from fixed records, and whose info fails on demand. */
function fakeEngine(state: { infoFails?: Error }): Engine {
  const system = {
    version: (_req: unknown, cb: Callback<VersionResponse>) =>
      cb(null, VersionResponse.fromPartial({ version: '0.1.0', apiVersion: 'v1', nodeVersion: 'v20.0.0', os: 'linux', arch: 'x64', kernelVersion: '6.1.0', cgroupVersion: '1' })),
    info: (_req: unknown, cb: Callback<InfoResponse>) => {
      if (state.infoFails) return cb(state.infoFails);
      cb(null, InfoResponse.fromPartial({ id: 'ID', containers: 3, containersRunning: 1, images: 2, serverVersion: '0.1.0', runtimes: ['ce', 'runc'], defaultRuntime: 'ce', insecureRegistries: ['127.0.0.0/8', 'reg:5000'], memTotal: 1024 }));
    },
  };
  return { system, close() {} } as unknown as Engine;
}

describe('the Docker API server', () => {
  let dir: string;
  let socket: string;
  let server: DockerApiServer;
  const state: { infoFails?: Error } = {};
  const get = (path: string, method = 'GET') => httpOverUnix(socket, method, path);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-test-dockerapi-'));
    socket = join(dir, 'docker.sock');
    server = await startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: [`unix://${socket}`, 'tcp://127.0.0.1:0'], engine: fakeEngine(state), serverName: 'ce/test (linux)' });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a 0660 unix socket and on a loopback TCP port, and says where', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    expect(server.addresses[0]).toBe(socket);
    expect(server.addresses[1]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers /_ping to GET and HEAD with the headers clients negotiate from', async () => {
    const ping = await get('/_ping');
    expect(ping).toMatchObject({ status: 200, body: 'OK' });
    expect(ping.headers).toMatchObject({ 'api-version': '1.41', 'docker-experimental': 'false', ostype: 'linux', server: 'ce/test (linux)', 'cache-control': 'no-cache, no-store, must-revalidate', pragma: 'no-cache' });
    const head = await get('/v1.41/_ping', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['api-version']).toBe('1.41');
  });

  it('serves versioned and unversioned paths, and refuses versions outside 1.12–1.41 with dockerd\'s words', async () => {
    for (const path of ['/version', '/v1.41/version', '/v1.24/version']) {
      const reply = await get(path);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ Version: '0.1.0', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64', KernelVersion: '6.1.0', Components: [{ Name: 'Engine', Version: '0.1.0' }] });
    }
    const tooNew = await get('/v1.42/version');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body)).toEqual({ message: 'client version 1.42 is too new. Maximum supported API version is 1.41' });
  });

  it('translates ced\'s info into Docker\'s SystemInfo', async () => {
    const info = JSON.parse((await get('/v1.41/info')).body);
    expect(info).toMatchObject({ ID: 'ID', Containers: 3, ContainersRunning: 1, Images: 2, ServerVersion: '0.1.0', DefaultRuntime: 'ce', MemTotal: 1024, Swarm: { LocalNodeState: 'inactive' } });
    expect(info.Runtimes).toEqual({ ce: { path: 'ce' }, runc: { path: 'runc' } });
    expect(info.RegistryConfig.InsecureRegistryCIDRs).toEqual(['127.0.0.0/8']);
    expect(Object.keys(info.RegistryConfig.IndexConfigs)).toEqual(['docker.io', 'reg:5000']);
  });

  it('maps errors to Docker\'s statuses and {"message"} bodies; an unknown path is "page not found"', async () => {
    state.infoFails = notFound('No such thing: x');
    const failed = await get('/v1.41/info');
    state.infoFails = undefined;
    expect(failed.status).toBe(404);
    expect(JSON.parse(failed.body)).toEqual({ message: 'No such thing: x' });
    const unknown = await get('/v1.41/nothing/here');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ message: 'page not found' });
  });

  it('refuses a bad listen address before opening anything', async () => {
    await expect(startDockerApi({ ceSocket: join(dir, 'ce.sock'), hosts: ['tcp://0.0.0.0:2375'], engine: fakeEngine({}) })).rejects.toThrow(/loopback address only/);
  });
});
