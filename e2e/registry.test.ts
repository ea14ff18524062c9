// ce login / push / pull / logout against Debian's docker-registry with
// htpasswd auth on loopback, then ce run of the pulled image.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';

const user = { username: 'ce-e2e', password: 's3cret-pw' };
let reg: RegistryServer;
let pusher: TestDaemon;
let puller: TestDaemon;
let dockerConfig: string;
const env = () => ({ DOCKER_CONFIG: dockerConfig });

beforeAll(async () => {
  dockerConfig = await mkdtemp(join(tmpdir(), 'ce-e2e-docker-config-'));
  reg = await startRegistry({ basic: user });
  pusher = await startTestDaemon();
  puller = await startTestDaemon();
});

afterAll(async () => {
  await pusher?.dispose();
  await puller?.dispose();
  await reg?.stop();
  await rm(dockerConfig, { recursive: true, force: true });
});

describe('ce login, push, pull, run with a registry', () => {
  it('pushes after ce login, pulls into another daemon with Docker-style output, and runs the image', async () => {
    const name = `${reg.host}/ce/busybox:v1`;
    await importBusyboxImage(pusher.socket, name);

    const refused = await ce(['push', name], { socket: pusher.socket, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ce: Error response from daemon: .*authentication required/m);

    const badLogin = await ce(['login', '-u', user.username, '--password-stdin', reg.host], { socket: pusher.socket, env: env(), input: 'wrong\n' });
    expect(badLogin.code).toBe(1);
    expect(badLogin.stderr).toContain(`login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);

    const login = await ce(['login', '-u', user.username, '--password-stdin', reg.host], { socket: pusher.socket, env: env(), input: `${user.password}\n` });
    expect(login.stderr).toBe('');
    expect(login.stdout).toContain('Login Succeeded\n');
    const saved = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(saved.auths[reg.host]!.auth, 'base64').toString()).toBe(`${user.username}:${user.password}`);

    const push = await ce(['push', name], { socket: pusher.socket, env: env() });
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const pushLines = push.stdout.trim().split('\n');
    expect(pushLines[0]).toBe(`The push refers to repository [${reg.host}/ce/busybox]`);
    expect(pushLines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pushed$/));
    expect(pushLines.at(-1)).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1];

    const pull = await ce(['pull', name], { socket: puller.socket, env: env() });
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    const lines = pull.stdout.trim().split('\n');
    // Not a terminal: one line per status change, no progress bars.
    const layer = /^([0-9a-f]{12}): Pulling fs layer$/.exec(lines[1]!)![1];
    expect(lines).toEqual([
      'v1: Pulling from ce/busybox',
      `${layer}: Pulling fs layer`,
      `${layer}: Downloading`,
      `${layer}: Verifying Checksum`,
      `${layer}: Download complete`,
      `${layer}: Extracting`,
      `${layer}: Pull complete`,
      `Digest: ${digest}`,
      `Status: Downloaded newer image for ${reg.host}/ce/busybox:v1`,
      `${reg.host}/ce/busybox:v1`,
    ]);
    const again = await ce(['pull', name], { socket: puller.socket, env: env() });
    expect(again.stdout).toContain(`Status: Image is up to date for ${reg.host}/ce/busybox:v1\n`);

    const run = await ce(['run', '--rm', name, 'echo', 'pulled and running'], { socket: puller.socket });
    expect(run).toMatchObject({ code: 0, stdout: 'pulled and running\n' });

    const logout = await ce(['logout', reg.host], { socket: puller.socket, env: env() });
    expect(logout.stdout).toBe(`Removing login credentials for ${reg.host}\n`);
    const denied = await ce(['pull', `${reg.host}/ce/busybox:v1`], { socket: pusher.socket, env: env() });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(`ce: Error response from daemon: pull access denied for ${reg.host}/ce/busybox, repository does not exist or may require 'ce login'`);
  });

  it('reports unknown images and unreachable registries as Docker does, exit code 1', async () => {
    await ce(['login', '-u', user.username, '-p', user.password, reg.host], { socket: puller.socket, env: env() });
    const unknown = await ce(['pull', `${reg.host}/ce/nope`], { socket: puller.socket, env: env() });
    expect(unknown.code).toBe(1);
    // dockerd says "Pulling from" only once it has the manifest (docker 20.10 checked against this registry).
    expect(unknown.stdout).toBe('Using default tag: latest\n');
    expect(unknown.stderr).toBe(`ce: Error response from daemon: manifest for ${reg.host}/ce/nope:latest not found: manifest unknown: manifest unknown\n`);

    const port = await freePort();
    const refused = await ce(['pull', `127.0.0.1:${port}/ce/x:v1`], { socket: puller.socket, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `ce: Error response from daemon: Get "http://127.0.0.1:${port}/v2/ce/x/manifests/v1": dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
    );
  });
});
