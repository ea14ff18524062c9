// The Kubernetes CRI that ced serves on <state>/cri.sock, driven with a client
// generated from the CRI schema, as a kubelet (or crictl) drives it: the
// runtime's Version and Status, and the image service over a loopback
// registry (Debian's docker-registry), with and without credentials; and the
// pause image, run as a container.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialUnix } from '@ce/protocol';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';
import { REGISTRY_BIN, startRegistry, type RegistryServer } from '../packages/image-store/test/support/registry.js';
import type { AuthConfig, ImageFsInfoResponse, ImageStatusResponse, ListImagesResponse, StatusResponse, VersionResponse } from '../packages/cri/src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../packages/cri/test/support/cri-client.js';
import { ensurePauseImage, PAUSE_IMAGE } from '../packages/cri/src/index.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { repoRoot } from './support/paths.js';
import { until } from './support/until.js';

const registryMissing = existsSync(REGISTRY_BIN) ? '' : `(skipped: needs ${REGISTRY_BIN}, apt-get install docker-registry)`;
const user = { username: 'cri-e2e', password: 'pull-s3cret' };

const spec = (image: string) => ({ image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' });
const noAuth: AuthConfig = { username: '', password: '', auth: '', serverAddress: '', identityToken: '', registryToken: '' };

describe.skipIf(registryMissing !== '')(`ced's CRI socket ${registryMissing}`, () => {
  let daemon: TestDaemon;
  let reg: RegistryServer;
  let authReg: RegistryServer;
  let dockerConfig: string;
  let cri: CriClient;
  /** Pushed with ce, then removed locally, so that the CRI's pulls download them. */
  let pushed: { open: string; locked: string; digest: string; id: string };

  const pull = (image: string, auth?: Partial<AuthConfig>) =>
    call<{ imageRef: string }>((cb) => cri.images.pullImage({ image: spec(image), auth: auth && { ...noAuth, ...auth }, sandboxConfig: undefined }, cb));
  const list = () => call<ListImagesResponse>((cb) => cri.images.listImages({ filter: undefined }, cb));
  const imageStatus = (image: string, verbose = false) => call<ImageStatusResponse>((cb) => cri.images.imageStatus({ image: spec(image), verbose }, cb));
  const removeImage = (image: string) => call((cb) => cri.images.removeImage({ image: spec(image) }, cb));
  const ceImages = async () => (await ce(['images', '--format', '{{.Repository}}:{{.Tag}}'], { socket: daemon.socket })).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    dockerConfig = await mkdtemp(join(tmpdir(), 'ce-e2e-cri-docker-config-'));
    [daemon, reg, authReg] = await Promise.all([startTestDaemon(), startRegistry(), startRegistry({ basic: user })]);
    cri = dialCri(daemon.criSocket);
    const open = `${reg.host}/cri/busybox:v1`;
    const locked = `${authReg.host}/cri/busybox:v1`;
    await importBusyboxImage(daemon.socket, open, { User: '1000:1000' });
    expect((await ce(['tag', open, locked], { socket: daemon.socket })).code).toBe(0);
    const env = { DOCKER_CONFIG: dockerConfig };
    const login = await ce(['login', '-u', user.username, '--password-stdin', authReg.host], { socket: daemon.socket, env, input: `${user.password}\n` });
    expect(login.code).toBe(0);
    const push = await ce(['push', open], { socket: daemon.socket });
    expect(push.code).toBe(0);
    expect((await ce(['push', locked], { socket: daemon.socket, env })).code).toBe(0);
    const id = (await ce(['image', 'inspect', '--format', '{{.Id}}', open], { socket: daemon.socket })).stdout.trim();
    pushed = { open, locked, digest: /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)![1]!, id };
    expect((await ce(['rmi', open, locked], { socket: daemon.socket })).code).toBe(0);
  });

  afterAll(async () => {
    cri?.close();
    await daemon?.dispose();
    await reg?.stop();
    await authReg?.stop();
    if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  });

  it("is served at <state>/cri.sock with ce.sock's mode", () => {
    const st = statSync(daemon.criSocket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(daemon.log()).toContain(`"socket":"${daemon.criSocket}","msg":"CRI listening"`);
  });

  it('Version names the runtime ce with the version ce reports, on CRI v1', async () => {
    const version = await call<VersionResponse>((cb) => cri.runtime.version({ version: '' }, cb));
    const out = (await ce(['version'], { socket: daemon.socket })).stdout;
    const server = /^Server: ced\n Engine:\n  Version: +(\S+)$/m.exec(out)?.[1];
    expect(server).toBeDefined();
    expect(version).toEqual({ version: '0.1.0', runtimeName: 'ce', runtimeVersion: server, runtimeApiVersion: 'v1' });
  });

  it('Status is RuntimeReady, says whether the CNI network is ready, and shows its configuration verbosely', async () => {
    const res = await call<StatusResponse>((cb) => cri.runtime.status({ verbose: true }, cb));
    const conditions = res.status!.conditions;
    expect(conditions.map((c) => c.type)).toEqual(['RuntimeReady', 'NetworkReady']);
    expect(conditions[0]).toEqual({ type: 'RuntimeReady', status: true, reason: '', message: '' });
    const network = conditions[1]!;
    const cni = JSON.parse(res.info.cniconfig!) as { networks: unknown[] };
    // The host's /etc/cni/net.d decides; either way the answer agrees with the networks shown.
    expect(network.status).toBe(cni.networks.length > 0);
    if (!network.status) expect(network.reason).toBe('NetworkPluginNotReady');
    expect(JSON.parse(res.info.config!)).toMatchObject({ socket: daemon.criSocket, ceSocket: daemon.socket, namespace: 'k8s.io', cniConfDir: '/etc/cni/net.d' });
  });

  it('RuntimeConfig reports the cgroupfs driver; UpdateRuntimeConfig keeps the pod CIDR', async () => {
    expect(await call((cb) => cri.runtime.runtimeConfig({}, cb))).toEqual({ linux: { cgroupDriver: 1 /* CGROUPFS */ } });
    await call((cb) => cri.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: '10.88.0.0/16' } } }, cb));
    const res = await call<StatusResponse>((cb) => cri.runtime.status({ verbose: true }, cb));
    expect(JSON.parse(res.info.config!).podCidrs).toEqual(['10.88.0.0/16']);
  });

  it('PullImage downloads from a loopback registry and answers the image id; ListImages and ImageStatus show it', async () => {
    expect(await imageStatus(pushed.open)).toEqual({ image: undefined, info: {} });
    const { imageRef } = await pull(pushed.open);
    expect(imageRef).toBe(pushed.id);
    expect(await ceImages()).toContain(pushed.open);

    const listed = (await list()).images.find((i) => i.id === pushed.id);
    expect(listed).toMatchObject({
      repoTags: [pushed.open],
      repoDigests: [`${reg.host}/cri/busybox@${pushed.digest}`],
      uid: { value: 1000n },
      username: '',
      pinned: false,
    });
    expect(listed!.size).toBeGreaterThan(0n);

    const status = await imageStatus(`${reg.host}/cri/busybox@${pushed.digest}`, true);
    expect(status.image?.id).toBe(pushed.id);
    const info = JSON.parse(status.info.info!);
    expect(info.imageSpec.config).toMatchObject({ User: '1000:1000', Cmd: ['sh'] });
    expect(info.manifest.digest).toBe(pushed.digest);
  });

  it('PullImage from a registry with htpasswd: refused without credentials, done with username/password or auth', async () => {
    const refused = await failure(pull(pushed.locked));
    expect(refused.code).not.toBe(grpcStatus.OK);
    expect(refused.details).toMatch(/authentication required|unauthorized/i);
    // Credentials for another registry are not sent.
    const elsewhere = await failure(pull(pushed.locked, { ...user, serverAddress: reg.host }));
    expect(elsewhere.details).toMatch(/authentication required|unauthorized/i);
    const wrong = await failure(pull(pushed.locked, { username: user.username, password: 'wrong' }));
    expect(wrong.details).toMatch(/authentication required|unauthorized/i);

    expect(await pull(pushed.locked, { ...user, serverAddress: authReg.host })).toEqual({ imageRef: pushed.id });
    // Both names are the one image: removing it removes both, as containerd removes every reference of an image.
    await removeImage(pushed.locked);
    expect((await imageStatus(pushed.locked)).image).toBeUndefined();
    expect((await imageStatus(pushed.open)).image).toBeUndefined();
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    expect(await pull(pushed.locked, { auth })).toEqual({ imageRef: pushed.id });
  });

  it('ImageFsInfo measures the snapshot folder under ced\'s root', async () => {
    const res = await call<ImageFsInfoResponse>((cb) => cri.images.imageFsInfo({}, cb));
    expect(res.imageFilesystems).toHaveLength(1);
    const [fs] = res.imageFilesystems;
    expect(fs!.fsId).toEqual({ mountpoint: join(daemon.root, 'image-store', 'snapshots') });
    // busybox's unpacked layer alone is more than a megabyte, in at least bin, bin/busybox, etc, etc/passwd, etc/group, tmp and root.
    expect(fs!.usedBytes!.value).toBeGreaterThan(1_000_000n);
    expect(fs!.inodesUsed!.value).toBeGreaterThanOrEqual(7n);
    const nowMs = BigInt(Date.now());
    expect(fs!.timestamp / 1_000_000n).toBeLessThanOrEqual(nowMs);
    expect(fs!.timestamp / 1_000_000n).toBeGreaterThan(nowMs - 60_000n);
  });

  it('RemoveImage removes the image with all its names; an image not there is no error', async () => {
    await pull(pushed.open);
    expect(await ceImages()).toEqual(expect.arrayContaining([pushed.open, pushed.locked]));
    await removeImage(pushed.open);
    expect((await list()).images.map((i) => i.id)).not.toContain(pushed.id);
    const left = await ceImages();
    expect(left).not.toContain(pushed.open);
    expect(left).not.toContain(pushed.locked);
    await expect(removeImage(pushed.open)).resolves.toEqual({});
    await expect(removeImage(`sha256:${'0'.repeat(64)}`)).resolves.toEqual({});
  });

  it('the pause image runs as a container: ce-pause holds on as pid 1 and ends with 0 on the stop signal; ListImages pins it', async () => {
    const images = dialUnix(ImagesClient, daemon.socket);
    try {
      expect(await ensurePauseImage(images)).toBe(true);
    } finally {
      images.close();
    }
    const name = `cri-pause-${process.pid}`;
    const run = await ce(['run', '-d', '--name', name, PAUSE_IMAGE], { socket: daemon.socket });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    try {
      expect((await ce(['inspect', '--format', '{{.State.Status}} {{.Path}}', name], { socket: daemon.socket })).stdout).toBe('running /pause\n');
      // A pid 1 that did not handle SIGTERM would be killed after the timeout: exit 137, not 0.
      expect((await ce(['stop', '-t', '30', name], { socket: daemon.socket })).code).toBe(0);
      expect((await ce(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name], { socket: daemon.socket })).stdout).toBe('exited 0\n');
    } finally {
      await ce(['rm', '-f', name], { socket: daemon.socket });
    }
    const pause = (await list()).images.find((i) => i.repoTags.includes(PAUSE_IMAGE));
    expect(pause).toMatchObject({ pinned: true });
    expect((await list()).images.filter((i) => i.pinned)).toHaveLength(1);
  });

  it('answers UNIMPLEMENTED, naming the RPC, for what is not built (checkpoints, as containerd without CRIU)', async () => {
    const err = await failure(call((cb) => cri.runtime.checkpointContainer({ containerId: 'x', location: '/tmp/x.tar', timeout: 0n }, cb)));
    expect(err).toEqual({ code: grpcStatus.UNIMPLEMENTED, details: "runtime.v1.RuntimeService/CheckpointContainer is not implemented by ce's CRI yet" });
  });

  it('ced --cri-socket none serves no CRI; ced --cri-socket PATH serves it there', async () => {
    const off = await startTestDaemon(['--cri-socket', 'none']);
    try {
      expect(existsSync(join(off.state, 'cri.sock'))).toBe(false);
      expect(off.log()).toMatch(/"msg":"ced listening"/);
      expect(off.log()).not.toMatch(/"msg":"CRI listening"/);
    } finally {
      await off.dispose();
    }
    const dir = await mkdtemp(join(tmpdir(), 'ce-e2e-cri-moved-'));
    const socket = join(dir, 'k8s.sock');
    const moved = await startTestDaemon(['--cri-socket', socket]);
    const client = dialCri(socket);
    try {
      expect(existsSync(join(moved.state, 'cri.sock'))).toBe(false);
      expect((await call<VersionResponse>((cb) => client.runtime.version({ version: '' }, cb))).runtimeName).toBe('ce');
    } finally {
      client.close();
      await moved.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ce-cri alone serves the same over a running ced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ce-e2e-cri-alone-'));
    let alone: ChildProcess | undefined;
    let client: CriClient | undefined;
    try {
      const socket = join(dir, 'cri.sock');
      let stderr = '';
      alone = spawn(process.execPath, [join(repoRoot, 'packages/cri/bin/ce-cri.mjs'), '--ced-socket', daemon.socket, '--socket', socket, '--state', join(dir, 'state')], { stdio: ['ignore', 'ignore', 'pipe'] });
      alone.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await until('ce-cri to listen', () => stderr.includes('CRI listening') || alone!.exitCode !== null);
      expect(alone.exitCode).toBeNull();
      client = dialCri(socket);
      const c = client;
      const version = await call<VersionResponse>((cb) => c.runtime.version({ version: '' }, cb));
      expect(version.runtimeName).toBe('ce');
      expect((await call<ListImagesResponse>((cb) => c.images.listImages({ filter: undefined }, cb))).images.flatMap((i) => i.repoTags)).toContain(
        'docker.io/library/hello-world:latest',
      );
      const exited = new Promise<number | null>((resolve) => alone!.once('exit', (code) => resolve(code)));
      alone.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(socket)).toBe(false);
    } finally {
      client?.close();
      if (alone && alone.exitCode === null) alone.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
