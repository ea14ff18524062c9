// RuntimeService over fakes of ced's services, driven through the CRI socket
// with a client generated from the CRI schema.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { startCri, type CriServer } from '../../src/index.js';
import { CgroupDriver, type StatusResponse } from '../../src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../support/cri-client.js';
import { fakeCe, type FakeCe } from '../support/fake-ce.js';

let dir: string;
let fake: FakeCe;
let server: CriServer;
let cri: CriClient;

async function start(): Promise<void> {
  server = await startCri({
    ceSocket: '/nonexistent/ce.sock',
    socket: join(dir, 'cri.sock'),
    stateDir: join(dir, 'cri'),
    cniConfDir: join(dir, 'net.d'),
    services: fake.services,
    diskUsage: async () => ({ bytes: 0, inodes: 0 }),
  });
  cri = dialCri(server.socket);
}

async function stop(): Promise<void> {
  cri.close();
  await server.close();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ce-cri-unit-'));
  fake = fakeCe([]);
  await start();
});

afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

const status = (verbose = false) => call<StatusResponse>((cb) => cri.runtime.status({ verbose }, cb));
const condition = (res: StatusResponse, type: string) => res.status?.conditions.find((c) => c.type === type);

describe('the socket', () => {
  it('is not taken from a process that serves it', async () => {
    const err = await startCri({ ceSocket: '/nonexistent/ce.sock', socket: server.socket, stateDir: join(dir, 'other'), services: fake.services }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`${server.socket} is served by another process (ced serves the CRI there unless started with --cri-socket none; give ce-cri another --socket)`);
    expect(await call((cb) => cri.runtime.version({ version: '' }, cb))).toMatchObject({ runtimeName: 'ce' });
  });

  it('replaces a socket file no one listens on', async () => {
    await stop();
    // A process killed while it listened leaves its socket file behind.
    const path = join(dir, 'cri.sock');
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(path).isSocket()).toBe(true);
    await start();
    expect(await call((cb) => cri.runtime.version({ version: '' }, cb))).toMatchObject({ runtimeName: 'ce' });
  });
});

describe('Version', () => {
  it('names the runtime ce, its version from ced, and CRI v1', async () => {
    const res = await call((cb) => cri.runtime.version({ version: '' }, cb));
    expect(res).toEqual({ version: '0.1.0', runtimeName: 'ce', runtimeVersion: '0.1.0-test', runtimeApiVersion: 'v1' });
  });
});

describe('Status', () => {
  it('is RuntimeReady, and not NetworkReady while no CNI network is configured', async () => {
    const res = await status();
    expect(condition(res, 'RuntimeReady')).toMatchObject({ status: true });
    expect(condition(res, 'NetworkReady')).toMatchObject({ status: false, reason: 'NetworkPluginNotReady' });
    expect(condition(res, 'NetworkReady')?.message).toContain(join(dir, 'net.d'));
    expect(res.info).toEqual({});
    expect(res.runtimeHandlers.map((h) => h.name)).toEqual(['', 'ce', 'runc']);
  });

  it('is NetworkReady once the CNI folder holds a valid network, and its verbose info shows it', async () => {
    const netd = join(dir, 'net.d');
    mkdirSync(netd, { recursive: true });
    writeFileSync(
      join(netd, '10-pods.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'pods', plugins: [{ type: 'bridge', bridge: 'cni0' }, { type: 'portmap', capabilities: { portMappings: true } }] }),
    );
    const res = await status(true);
    expect(condition(res, 'NetworkReady')).toEqual({ type: 'NetworkReady', status: true, reason: '', message: '' });
    expect(JSON.parse(res.info.cniconfig!)).toEqual({
      networks: [{ name: 'pods', file: join(netd, '10-pods.conflist'), cniVersion: '1.0.0', plugins: ['bridge', 'portmap'] }],
    });
    expect(res.info.lastCNILoadStatus).toBe('OK');
    expect(JSON.parse(res.info.config!)).toMatchObject({ namespace: 'k8s.io', sandboxImage: 'localhost/ce-pause:1.0', cniConfDir: netd, cgroupDriver: 'cgroupfs' });
  });

  it('names a broken CNI file in NetworkReady\'s message', async () => {
    const netd = join(dir, 'net.d');
    mkdirSync(netd, { recursive: true });
    writeFileSync(join(netd, '10-broken.conflist'), '{ not json');
    const res = await status();
    expect(condition(res, 'NetworkReady')?.status).toBe(false);
    expect(condition(res, 'NetworkReady')?.message).toContain('10-broken.conflist');
  });

  it('is not NetworkReady, and still answers, when the CNI folder cannot be read', async () => {
    writeFileSync(join(dir, 'net.d'), 'a file where the folder should be');
    const res = await status();
    expect(condition(res, 'RuntimeReady')?.status).toBe(true);
    expect(condition(res, 'NetworkReady')).toMatchObject({ status: false, reason: 'NetworkPluginNotReady' });
    expect(condition(res, 'NetworkReady')?.message).toContain(`cannot read ${join(dir, 'net.d')}`);
  });

  it('is not RuntimeReady when ced does not answer', async () => {
    fake.infoFails = new CeError('Unavailable', 'cannot reach /run/ce/ce.sock: No connection established');
    const res = await status();
    expect(condition(res, 'RuntimeReady')).toEqual({
      type: 'RuntimeReady',
      status: false,
      reason: 'CeDaemonUnreachable',
      message: 'cannot reach /run/ce/ce.sock: No connection established',
    });
  });
});

describe('RuntimeConfig', () => {
  it("reports ced's cgroup driver", async () => {
    expect(await call((cb) => cri.runtime.runtimeConfig({}, cb))).toEqual({ linux: { cgroupDriver: CgroupDriver.CGROUPFS } });
    fake.info = { ...fake.info, cgroupDriver: 'systemd' };
    expect(await call((cb) => cri.runtime.runtimeConfig({}, cb))).toEqual({ linux: { cgroupDriver: CgroupDriver.SYSTEMD } });
  });
});

describe('UpdateRuntimeConfig', () => {
  const update = (podCidr: string) => call((cb) => cri.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr } } }, cb));
  const podCidrs = async () => JSON.parse((await status(true)).info.config!).podCidrs as string[];

  it('stores the pod CIDRs, and a restarted adapter still has them', async () => {
    await update('10.244.1.0/24,fd00:10:244:1::/64');
    expect(await podCidrs()).toEqual(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    await stop();
    await start();
    expect(await podCidrs()).toEqual(['10.244.1.0/24', 'fd00:10:244:1::/64']);
  });

  it('keeps the stored CIDRs when given none, as containerd', async () => {
    await update('10.244.2.0/24');
    await update('');
    expect(await podCidrs()).toEqual(['10.244.2.0/24']);
  });

  it('refuses what is not a CIDR, naming it', async () => {
    const err = await failure(update('10.244.300.0/24'));
    expect(err).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: 'pod CIDR "10.244.300.0/24" is not an IPv4 or IPv6 network in CIDR notation (e.g. 10.244.0.0/24)' });
    expect((await failure(update('10.244.0.0/33'))).code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(await podCidrs()).toEqual([]);
  });
});

describe('pod sandboxes over the socket', () => {
  it("answers the CRI's codes: INVALID_ARGUMENT without metadata, NOT_FOUND for an unknown id's status, and stopping or removing one that is not there succeeds", async () => {
    const run = await failure(call((cb) => cri.runtime.runPodSandbox({ config: undefined, runtimeHandler: '' }, cb)));
    expect(run).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: 'sandbox config must include metadata' });
    const status = await failure(call((cb) => cri.runtime.podSandboxStatus({ podSandboxId: 'f00d', verbose: false }, cb)));
    expect(status.code).toBe(grpcStatus.NOT_FOUND);
    await call((cb) => cri.runtime.stopPodSandbox({ podSandboxId: 'f00d' }, cb));
    await call((cb) => cri.runtime.removePodSandbox({ podSandboxId: 'f00d' }, cb));
    expect(await call((cb) => cri.runtime.listPodSandbox({ filter: undefined }, cb))).toEqual({ items: [] });
  });
});

describe('containers over the socket', () => {
  it('are served: none listed, a config without metadata refused, an unknown id NotFound, stopping or removing one is no error', async () => {
    expect(await call((cb) => cri.runtime.listContainers({ filter: undefined }, cb))).toEqual({ containers: [] });
    const err = await failure(call((cb) => cri.runtime.createContainer({ podSandboxId: 'f00d', config: undefined, sandboxConfig: undefined }, cb)));
    expect(err).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: 'container config must include metadata' });
    const missing = await failure(call((cb) => cri.runtime.containerStatus({ containerId: 'f00d', verbose: false }, cb)));
    expect(missing).toEqual({ code: grpcStatus.NOT_FOUND, details: 'an error occurred when try to find container "f00d": not found' });
    expect(await call((cb) => cri.runtime.removeContainer({ containerId: 'f00d' }, cb))).toEqual({});
    expect(await call((cb) => cri.runtime.stopContainer({ containerId: 'f00d', timeout: 0n }, cb))).toEqual({});
  });
});

describe('what is not built yet', () => {
  it('answers UNIMPLEMENTED, naming the RPC', async () => {
    const checkpoint = await failure(call((cb) => cri.runtime.checkpointContainer({ containerId: 'f00d', location: '/tmp/x', timeout: 0n }, cb)));
    expect(checkpoint).toEqual({ code: grpcStatus.UNIMPLEMENTED, details: "runtime.v1.RuntimeService/CheckpointContainer is not implemented by ce's CRI yet" });
  });

  it('ExecSync and Exec of an unknown container: NotFound in containerd\'s words', async () => {
    const err = await failure(call((cb) => cri.runtime.execSync({ containerId: 'f00d', cmd: ['true'], timeout: 0n }, cb)));
    expect(err).toEqual({ code: grpcStatus.NOT_FOUND, details: 'failed to exec in container: failed to find container "f00d" in store: not found' });
    const exec = await failure(call((cb) => cri.runtime.exec({ containerId: 'f00d', cmd: ['true'], stdin: false, stdout: true, stderr: false, tty: false }, cb)));
    expect(exec).toEqual({ code: grpcStatus.NOT_FOUND, details: 'failed to find container "f00d" in store: not found' });
  });

});

describe('GetContainerEvents', () => {
  it('answers its headers at once, stays open while nothing happens, and ends cleanly when the CRI closes', async () => {
    const stream = cri.runtime.getContainerEvents({});
    const received: unknown[] = [];
    stream.on('data', (e: unknown) => received.push(e));
    await new Promise((resolve) => stream.once('metadata', resolve));
    const ended = new Promise<string>((resolve) => {
      stream.on('end', () => resolve('end'));
      stream.on('error', (e: { code: number }) => resolve(`error ${e.code}`));
    });
    await server.close();
    expect(await ended).toBe('end');
    expect(received).toEqual([]);
    await start();
  });
});
