// Issue 12: ced serves the Docker Engine API on <state>/docker.sock, and
// Debian's docker client (20.10) talks to it with DOCKER_HOST set: version
// negotiation, `docker version`, `docker info`, and Docker's error replies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { dockerCli, dockerClientMissing, dockerSocketOf } from './support/docker-cli.js';
import { httpOverUnix } from '../packages/docker-api/test/support/http-over-unix.js';

describe.skipIf(dockerClientMissing !== '')(`the Docker API's system endpoints with the docker CLI ${dockerClientMissing}`, () => {
  let daemon: TestDaemon;
  const docker = (args: string[]) => dockerCli(args, { daemon });

  beforeAll(async () => {
    daemon = await startTestDaemon();
  });

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('serves docker.sock beside ce.sock, with the same mode', () => {
    expect(statSync(dockerSocketOf(daemon)).mode & 0o777).toBe(statSync(daemon.socket).mode & 0o777);
  });

  it('docker version shows ced as the server at API 1.41', async () => {
    const r = await docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}/{{.Server.Arch}} {{(index .Server.Components 0).Name}}']);
    expect(r).toEqual({ code: 0, stdout: '1.41 1.12 linux/amd64 Engine\n', stderr: '' });
  });

  it('docker info reports the daemon\'s counts, storage and runtimes', async () => {
    const r = await docker(['info', '--format', '{{.ServerVersion}}|{{.Driver}}|{{.DefaultRuntime}}|{{.Swarm.LocalNodeState}}|{{.Images}}']);
    expect(r.code).toBe(0);
    const [version, driver, runtime, swarm, images] = r.stdout.trim().split('|');
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(driver).toBe('overlay2');
    expect(runtime).toBe('ce');
    expect(swarm).toBe('inactive');
    expect(Number(images)).toBeGreaterThanOrEqual(1); // the embedded hello-world
  });

  it('answers an unknown endpoint and a too-new version as dockerd does', async () => {
    const unknown = await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.41/nosuch');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ message: 'page not found' });
    const tooNew = await httpOverUnix(dockerSocketOf(daemon), 'GET', '/v1.99/version');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body)).toEqual({ message: 'client version 1.99 is too new. Maximum supported API version is 1.41' });
  });
});
