// Containers through ced's CRI socket, as a kubelet runs them: two containers
// of one pod sharing its netns, ipc and uts (the pause's), their output in the
// CRI log format at the kubelet's path and reopened after a rename, stop with
// exit codes and reasons, a name taken refused, remove idempotent, records
// kept across kill -9 of ced, and RemovePodSandbox removing the pod's
// containers, leaving no task, layer, cgroup or netns.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialUnix, unary } from '@ce/protocol';
import { SnapshotsClient } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import { SupervisorClient, type ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import { acceptBridgeForwarding } from '../tools/lib/bridge-forwarding.mjs';
import {
  ContainerConfig,
  ContainerEventType,
  ContainerState,
  type ContainerEventResponse,
  NamespaceMode,
  PodSandboxConfig,
  type ContainerStatsResponse,
  type ContainerStatusResponse,
  type ListContainersResponse,
  type PodSandboxStatsResponse,
  type PodSandboxStatusResponse,
} from '../packages/cri/src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../packages/cri/test/support/cri-client.js';
import { importBusyboxImage } from './support/busybox-image.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { until } from './support/until.js';
import { writePodConflist } from './support/cri-pod-network.js';

const BIN = '/usr/lib/cni';
const missing = ['bridge', 'host-local', 'loopback'].filter((p) => !existsSync(join(BIN, p)));
const skipReason = missing.length ? `needs ${missing.join(', ')} in ${BIN} (apt-get install containernetworking-plugins)` : '';

const tag = `${process.pid % 100000}`;
const bridge = `cecc${tag}`;
const subnet = `10.222.${process.pid % 250}.0/24`;
const cniName = `ce-e2e-ctrs-${tag}`;
const IMAGE = 'docker.io/library/busybox:latest';

let dir: string;
let logDir: string;
let daemon: TestDaemon | undefined;
let cri: CriClient;
let stopAccepting = () => {};
let podId = '';
let podConfig: PodSandboxConfig;

const container = (name: string, args: string[], extra: Partial<ContainerConfig> = {}) =>
  ContainerConfig.fromPartial({ metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c'], args, logPath: `${name}/0.log`, labels: { name }, ...extra });
const create = async (config: ContainerConfig) =>
  (await call<{ containerId: string }>((cb) => cri.runtime.createContainer({ podSandboxId: podId, config, sandboxConfig: podConfig }, cb))).containerId;
const start = (id: string) => call((cb) => cri.runtime.startContainer({ containerId: id }, cb));
const stop = (id: string, timeout: number) => call((cb) => cri.runtime.stopContainer({ containerId: id, timeout: BigInt(timeout) }, cb));
const remove = (id: string) => call((cb) => cri.runtime.removeContainer({ containerId: id }, cb));
const status = async (id: string) => (await call<ContainerStatusResponse>((cb) => cri.runtime.containerStatus({ containerId: id, verbose: true }, cb)));
const pidOf = async (id: string) => (JSON.parse((await status(id)).info['info']!) as { pid: number }).pid;
const list = async (filter: Partial<{ id: string; podSandboxId: string; state: { state: ContainerState }; labelSelector: Record<string, string> }> = {}) =>
  (await call<ListContainersResponse>((cb) => cri.runtime.listContainers({ filter: { id: '', podSandboxId: '', labelSelector: {}, ...filter } }, cb))).containers.map((c) => c.id).sort();
const ns = (pid: number, kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);
const cgroupDirs = (id: string) => ['', ...readdirSync('/sys/fs/cgroup')].map((h) => join('/sys/fs/cgroup', h, 'ce', 'k8s.io', id)).filter((d) => existsSync(d));
const CRI_LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (stdout|stderr) [PF] .*$/;

describe.skipIf(skipReason !== '')(`containers over ced's CRI ${skipReason}`, () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-cri-ctrs-'));
    logDir = join(dir, 'pod-logs');
    writePodConflist(dir, { name: cniName, bridge, subnet });
    stopAccepting = acceptBridgeForwarding(bridge);
    daemon = await startTestDaemon(['--cni-config-dir', join(dir, 'net.d'), '--cni-bin-dir', BIN, '--iptables=false']);
    await importBusyboxImage(daemon.socket, IMAGE);
    cri = dialCri(daemon.criSocket);
    podConfig = PodSandboxConfig.fromPartial({
      metadata: { name: 'app', namespace: 'e2e', uid: `uid-app-${tag}`, attempt: 0 },
      hostname: 'app-host',
      logDirectory: logDir,
      dnsConfig: { servers: ['10.96.0.10'], searches: [], options: [] },
      linux: { securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
    });
    podId = (await call<{ podSandboxId: string }>((cb) => cri.runtime.runPodSandbox({ config: podConfig, runtimeHandler: '' }, cb))).podSandboxId;
  });

  afterAll(async () => {
    try {
      if (podId) await call((cb) => cri.runtime.removePodSandbox({ podSandboxId: podId }, cb)).catch(() => undefined);
      cri?.close();
      await daemon?.dispose();
    } finally {
      stopAccepting();
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // never made
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs two containers in the pod's netns, ipc and uts, with the pod's hostname and resolv.conf, as k8s.io tasks whose ids are the container ids", async () => {
    ids.web = await create(container('web', ['echo hello; echo oops >&2; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done'], { envs: [{ key: 'GREETING', value: 'hi' }] }));
    ids.side = await create(container('side', ['trap "exit 0" TERM; while true; do sleep 0.1; done']));
    expect((await status(ids.web)).status).toMatchObject({ state: ContainerState.CONTAINER_CREATED, startedAt: 0n, metadata: { name: 'web' }, labels: { name: 'web' } });
    await start(ids.web);
    await start(ids.side);
    const { status: st, info } = await status(ids.web);
    expect(st).toMatchObject({ id: ids.web, state: ContainerState.CONTAINER_RUNNING, image: { image: IMAGE }, logPath: join(logDir, 'web/0.log') });
    expect(st!.imageRef).toMatch(/^sha256:[0-9a-f]{64}$|@sha256:/);
    expect(st!.startedAt).toBeGreaterThanOrEqual(st!.createdAt);
    const verbose = JSON.parse(info['info']!) as { sandboxID: string; pid: number; runtimeSpec: { annotations: Record<string, string>; process: { env: string[] } } };
    expect(verbose.sandboxID).toBe(podId);
    expect(verbose.runtimeSpec.annotations).toMatchObject({ 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': podId, 'io.kubernetes.cri.container-name': 'web', 'io.kubernetes.cri.image-name': 'busybox' });
    expect(verbose.runtimeSpec.process.env).toEqual(expect.arrayContaining(['HOSTNAME=app-host', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hi']));

    const pause = (JSON.parse((await call<PodSandboxStatusResponse>((cb) => cri.runtime.podSandboxStatus({ podSandboxId: podId, verbose: true }, cb))).info['info']!) as { pid: number }).pid;
    const [web, side] = [verbose.pid, await pidOf(ids.side)];
    for (const kind of ['net', 'ipc', 'uts']) {
      expect(ns(web, kind)).toBe(ns(pause, kind));
      expect(ns(side, kind)).toBe(ns(pause, kind));
    }
    expect(ns(web, 'pid')).not.toBe(ns(pause, 'pid'));
    expect(execFileSync('nsenter', [`--uts=/proc/${web}/ns/uts`, 'hostname'], { encoding: 'utf8' }).trim()).toBe('app-host');
    expect(readFileSync(`/proc/${web}/root/etc/resolv.conf`, 'utf8')).toBe('nameserver 10.96.0.10\n');
    expect(readFileSync(`/proc/${web}/root/etc/hostname`, 'utf8')).toBe('app-host\n');
    // The two containers share the pause's /dev/shm.
    writeFileSync(`/proc/${web}/root/dev/shm/shared`, 'x');
    expect(existsSync(`/proc/${side}/root/dev/shm/shared`)).toBe(true);

    const supervisor = dialUnix(SupervisorClient, daemon!.socket);
    try {
      const tasks = (await unary<ListTasksResponse>((cb) => supervisor.listTasks({ namespace: 'k8s.io' }, cb))).tasks;
      expect(tasks.map((t) => t.id).sort()).toEqual([podId, ids.web, ids.side].sort());
      expect(tasks.every((t) => t.labels['ce.owner'] === 'ce-cri')).toBe(true);
    } finally {
      supervisor.close();
    }
    const { stats } = await call<ContainerStatsResponse>((cb) => cri.runtime.containerStats({ containerId: ids.web }, cb));
    expect(stats!.attributes).toMatchObject({ id: ids.web, labels: { name: 'web' } });
    expect(stats!.memory!.usageBytes!.value).toBeGreaterThan(0n);
    expect(stats!.cpu!.usageCoreNanoSeconds!.value).toBeGreaterThan(0n);
    const pod = await call<PodSandboxStatsResponse>((cb) => cri.runtime.podSandboxStats({ podSandboxId: podId }, cb));
    expect(pod.stats!.linux!.containers.map((c) => c.attributes!.id).sort()).toEqual([ids.web, ids.side].sort());
  });

  it("writes the container's output in the CRI log format at the kubelet's path, and reopens it after a rename", async () => {
    const path = join(logDir, 'web/0.log');
    await until('the log to hold a few ticks', () => existsSync(path) && readFileSync(path, 'utf8').includes(' stdout F tick 2\n'));
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines.every((l) => CRI_LINE_OK(l))).toBe(true);
    expect(lines[0]).toMatch(/ stdout F hello$/);
    expect(lines).toContainEqual(expect.stringMatching(/ stderr F oops$/));
    if (daemon!.shimMode === 'host') {
      // The shim host carries it: its ce-monitor (the container's parent) writes the CRI log, no Node shim of its own.
      const pid = (JSON.parse((await status(ids.web)).info['info']!) as { pid: number }).pid;
      const parent = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      const argv = readFileSync(`/proc/${parent}/cmdline`, 'utf8').split('\0');
      expect(argv[0]).toMatch(/ce-monitor$/);
      expect(argv).toEqual(expect.arrayContaining(['--log-path', path, '--log-format', 'cri']));
    }
    renameSync(path, `${path}.rotated`);
    await call((cb) => cri.runtime.reopenContainerLog({ containerId: ids.web }, cb));
    await until('the reopened log to get new lines', () => existsSync(path) && / stdout F tick \d+\n/.test(readFileSync(path, 'utf8')));
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).every((l) => CRI_LINE_OK(l))).toBe(true);
  });

  it('refuses a second container of the same name and attempt in the pod, in containerd\'s words', async () => {
    const err = await failure(create(container('web', ['true'])));
    expect(err.code).toBe(grpcStatus.ALREADY_EXISTS);
    expect(err.details).toBe(`failed to reserve container name "web_app_e2e_uid-app-${tag}_0": name "web_app_e2e_uid-app-${tag}_0" is reserved for "${ids.web}"`);
  });

  it('gives exit codes and reasons: Completed, Error, and SIGKILL after the stop timeout; an exit of its own is an event at once', async () => {
    const stream = cri.runtime.getContainerEvents({});
    const events: ContainerEventResponse[] = [];
    stream.on('data', (e: ContainerEventResponse) => events.push(e));
    stream.on('error', () => undefined);
    await new Promise((resolve) => stream.once('metadata', resolve));
    ids.ok = await create(container('ok', ['exit 0']));
    ids.bad = await create(container('bad', ['exit 3']));
    await start(ids.ok);
    await start(ids.bad);
    // No status asked yet: the supervisor's task event records the exit and reports it.
    const stopped = await until('the STOPPED event of the container that exits 3', () =>
      events.find((e) => e.containerId === ids.bad && e.containerEventType === ContainerEventType.CONTAINER_STOPPED_EVENT),
    );
    stream.cancel();
    expect(events.filter((e) => e.containerId === ids.bad).map((e) => ContainerEventType[e.containerEventType])).toEqual(['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT']);
    expect(stopped.podSandboxStatus!.id).toBe(podId);
    expect(stopped.containersStatuses.find((c) => c.id === ids.bad)).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 3, reason: 'Error' });
    const exited = async (id: string) => until(`${id} to exit`, async () => ((await status(id)).status!.state === ContainerState.CONTAINER_EXITED ? (await status(id)).status! : undefined));
    expect(await exited(ids.ok)).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await exited(ids.bad)).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect((await exited(ids.bad)).finishedAt).toBeGreaterThan(0n);
    // Its trap ends it on SIGTERM: exit 0 well within the timeout.
    await stop(ids.side, 30);
    expect((await status(ids.side)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 0, reason: 'Completed' });
    // sleep as pid 1 ignores SIGTERM: SIGKILL after the timeout.
    ids.stubborn = await create(container('stubborn', ['exec sleep 1000']));
    await start(ids.stubborn);
    const began = Date.now();
    await stop(ids.stubborn, 1);
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect((await status(ids.stubborn)).status).toMatchObject({ exitCode: 137, reason: 'Error' });
    await stop(ids.stubborn, 1); // again: nothing to do
    expect(await list({ state: { state: ContainerState.CONTAINER_RUNNING } })).toEqual([ids.web]);
    expect(await list({ labelSelector: { name: 'bad' } })).toEqual([ids.bad]);
    expect(await list({ id: ids.ok.slice(0, 10) })).toEqual([ids.ok]);
    expect((await list({ podSandboxId: podId })).length).toBe(5);
    const err = await failure(start(ids.ok));
    expect(err.details).toBe(`failed to set starting state for container "${ids.ok}": container is in CONTAINER_EXITED state`);
  });

  it('removes a container (twice is no error), freeing its name and its layer', async () => {
    await remove(ids.ok);
    await remove(ids.ok);
    expect((await failure(status(ids.ok))).code).toBe(grpcStatus.NOT_FOUND);
    const snapshots = dialUnix(SnapshotsClient, daemon!.socket);
    try {
      await expect(unary((cb) => snapshots.stat({ key: `k8s.io/container-${ids.ok}` }, cb))).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      snapshots.close();
    }
    ids.ok = await create(container('ok', ['true']));
  });

  it("keeps the containers' records and states across kill -9 of ced, and sees the exit of one killed while ced was down", async () => {
    ids.lost = await create(container('lost', ['exec sleep 1000']));
    await start(ids.lost);
    const lostPid = await pidOf(ids.lost);
    await daemon!.kill9();
    // Nobody hears this exit: the CRI's memory says running until it asks the supervisor again, at start.
    process.kill(lostPid, 'SIGKILL');
    await daemon!.restart();
    cri.close();
    cri = dialCri(daemon!.criSocket);
    expect((await status(ids.web)).status!.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect((await status(ids.bad)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 3 });
    expect((await status(ids.ok)).status!.state).toBe(ContainerState.CONTAINER_CREATED);
    expect((await status(ids.lost)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137, reason: 'Error' });
    expect(await list({ state: { state: ContainerState.CONTAINER_RUNNING } })).toEqual([ids.web]);
    expect((await list()).length).toBe(6);
  });

  it("RemovePodSandbox stops and removes the pod's containers, leaving no task, layer, cgroup or netns", async () => {
    const web = await pidOf(ids.web);
    await call((cb) => cri.runtime.stopPodSandbox({ podSandboxId: podId }, cb));
    expect((await status(ids.web)).status).toMatchObject({ state: ContainerState.CONTAINER_EXITED, exitCode: 137 });
    expect(existsSync(`/proc/${web}`)).toBe(false);
    await call((cb) => cri.runtime.removePodSandbox({ podSandboxId: podId }, cb));
    expect(await list()).toEqual([]);
    const supervisor = dialUnix(SupervisorClient, daemon!.socket);
    const snapshots = dialUnix(SnapshotsClient, daemon!.socket);
    try {
      expect((await unary<ListTasksResponse>((cb) => supervisor.listTasks({ namespace: 'k8s.io' }, cb))).tasks).toEqual([]);
      for (const id of Object.values(ids)) {
        await expect(unary((cb) => snapshots.stat({ key: `k8s.io/container-${id}` }, cb))).rejects.toMatchObject({ code: 'NotFound' });
        expect(cgroupDirs(id)).toEqual([]);
      }
    } finally {
      supervisor.close();
      snapshots.close();
    }
    expect(readdirSync(join(daemon!.root, 'cri', 'containers'))).toEqual([]);
    expect(readdirSync(join(daemon!.state, 'cri', 'containers'))).toEqual([]);
    expect(readdirSync(join(daemon!.state, 'cri', 'netns'))).toEqual([]);
    // The pod's /dev/shm tmpfs is unmounted with the sandbox.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(daemon!.state, 'cri', 'sandboxes'));
    podId = '';
  });
});

function CRI_LINE_OK(line: string): boolean {
  return CRI_LOG_LINE.test(line);
}
