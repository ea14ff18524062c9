// Pod sandboxes through ced's CRI socket, as a kubelet runs them: a pause task
// in the k8s.io namespace with its own pinned netns, attached through Debian's
// CNI plugins (bridge + host-local + portmap + loopback, the test's own list,
// bridge and subnet); its status, IP and listing; stop tearing the network
// down, remove leaving nothing (no netns, veth, lease, task, cgroup, rule);
// a CNI failure undone; and the records kept across a ced restart.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialUnix, unary } from '@ce/protocol';
import { SnapshotsClient } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import { SupervisorClient, type ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import { acceptBridgeForwarding } from '../tools/lib/bridge-forwarding.mjs';
import {
  NamespaceMode,
  PodSandboxConfig,
  PodSandboxState,
  Protocol,
  type ListPodSandboxResponse,
  type PodSandboxFilter,
  type PodSandboxStatsResponse,
  type PodSandboxStatusResponse,
} from '../packages/cri/src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../packages/cri/test/support/cri-client.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { repoRoot } from './support/paths.js';
import { natRules, portmapChainsExist, removeLeftoverPortChains, removePortmapChains } from './support/portmap-chains.js';
import { until } from './support/until.js';
import { writePodConflist } from './support/cri-pod-network.js';

const BIN = '/usr/lib/cni';
const missing = ['bridge', 'host-local', 'portmap', 'loopback'].filter((p) => !existsSync(join(BIN, p)));
const skipReason = missing.length ? `needs ${missing.join(', ')} in ${BIN} (apt-get install containernetworking-plugins)` : '';

const tag = `${process.pid % 100000}`;
const third = process.pid % 250;
const bridge = `cecp${tag}`;
const subnet = `10.221.${third}.0/24`;
const cniName = `ce-e2e-pods-${tag}`;
const hostPort = 24000 + (process.pid % 1000);
const portmapInUse = portmapChainsExist();

let dir: string;
let daemon: TestDaemon | undefined;
let cri: CriClient;
let snapshots: SnapshotsClient;
let stopAccepting = () => {};
const sandboxes: string[] = [];

const pod = (name: string, labels: Record<string, string>, attempt = 0) =>
  PodSandboxConfig.fromPartial({
    metadata: { name, namespace: 'e2e', uid: `uid-${name}-${tag}`, attempt },
    hostname: name,
    labels,
    dnsConfig: { servers: ['10.96.0.10'], searches: ['e2e.svc.cluster.local'], options: ['ndots:5'] },
    portMappings: portmapInUse ? [] : [{ protocol: Protocol.TCP, containerPort: 80, hostPort, hostIp: '' }],
    linux: { sysctls: {}, securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
  });

const runPod = async (config: PodSandboxConfig) => {
  const { podSandboxId } = await call<{ podSandboxId: string }>((cb) => cri.runtime.runPodSandbox({ config, runtimeHandler: '' }, cb));
  sandboxes.push(podSandboxId);
  return podSandboxId;
};
const status = (id: string, verbose = false) => call<PodSandboxStatusResponse>((cb) => cri.runtime.podSandboxStatus({ podSandboxId: id, verbose }, cb));
const list = async (filter?: Partial<PodSandboxFilter>) =>
  (await call<ListPodSandboxResponse>((cb) => cri.runtime.listPodSandbox({ filter: filter && { id: '', labelSelector: {}, ...filter } }, cb))).items.map((i) => i.id).sort();
const stop = (id: string) => call((cb) => cri.runtime.stopPodSandbox({ podSandboxId: id }, cb));
const remove = (id: string) => call((cb) => cri.runtime.removePodSandbox({ podSandboxId: id }, cb));

const netnsDir = () => join(daemon!.state, 'cri', 'netns');
const inNetns = (path: string, ...cmd: string[]) => execFileSync('nsenter', [`--net=${path}`, ...cmd], { encoding: 'utf8' });
const vethsOnBridge = () => (existsSync(`/sys/class/net/${bridge}/brif`) ? readdirSync(`/sys/class/net/${bridge}/brif`) : []);
const leases = () => (existsSync(join(dir, 'ipam', cniName)) ? readdirSync(join(dir, 'ipam', cniName)).filter((f) => /^\d/.test(f)) : []);
/** The sandbox's cgroup folders in every hierarchy (cgroup v2, or v1's controllers). */
const cgroupDirs = (id: string) =>
  ['', ...readdirSync('/sys/fs/cgroup')].map((h) => join('/sys/fs/cgroup', h, 'ce', 'k8s.io', id)).filter((d) => existsSync(d));
const taskDirs = () => (existsSync(join(daemon!.state, 'runtime')) ? readdirSync(join(daemon!.state, 'runtime'), { recursive: true }).map(String) : []);

describe.skipIf(skipReason !== '')(`pod sandboxes over ced's CRI ${skipReason}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-cri-pods-'));
    writePodConflist(dir, { name: cniName, bridge, subnet, defaultRoute: true, portmap: true });
    stopAccepting = acceptBridgeForwarding(bridge);
    daemon = await startTestDaemon(['--cni-config-dir', join(dir, 'net.d'), '--cni-bin-dir', BIN, '--iptables=false']);
    cri = dialCri(daemon.criSocket);
    snapshots = dialUnix(SnapshotsClient, daemon.socket);
  });

  afterAll(async () => {
    try {
      for (const id of sandboxes) await remove(id).catch(() => undefined);
      cri?.close();
      snapshots?.close();
      await daemon?.dispose();
    } finally {
      stopAccepting();
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // never made
      }
      const leftovers = portmapInUse ? [] : removeLeftoverPortChains(hostPort);
      if (!portmapInUse) removePortmapChains();
      if (dir) rmSync(dir, { recursive: true, force: true });
      expect(leftovers, 'portmap chains of removed sandboxes (removed now)').toEqual([]);
    }
  });

  it('runs a sandbox: READY, its IP in the CNI range inside its own netns, the pause in k8s.io with the pod hostname', async () => {
    // Two pods at once on a ced without the pause image: one import serves both.
    const [id, twin] = await Promise.all([runPod(pod('web', { app: 'web' })), runPod(pod('twin', { app: 'twin' }))]);
    expect((await status(twin)).status!.state).toBe(PodSandboxState.SANDBOX_READY);
    await remove(twin);
    sandboxes.splice(sandboxes.indexOf(twin), 1);
    const { status: st, info } = await status(id, true);
    expect(st).toMatchObject({ id, state: PodSandboxState.SANDBOX_READY, metadata: { name: 'web', namespace: 'e2e' }, labels: { app: 'web' } });
    expect(st!.network!.ip).toMatch(new RegExp(`^10\\.221\\.${third}\\.\\d+$`));
    const verbose = JSON.parse(info['info']!) as { pid: number; netNamespacePath: string; runtimeHandler: string; resolvConfPath: string; config: { hostname: string } };
    expect(verbose).toMatchObject({ runtimeHandler: '', netNamespacePath: join(netnsDir(), id), config: { hostname: 'web' } });
    expect(verbose.pid).toBeGreaterThan(0);
    expect(existsSync(verbose.netNamespacePath)).toBe(true);
    expect(inNetns(verbose.netNamespacePath, 'ip', '-4', 'addr', 'show', 'eth0')).toContain(`inet ${st!.network!.ip}/24`);
    // The pause is pid 1 of its own pid namespace, in the pod's netns, with the pod's hostname.
    expect(readlinkSync(`/proc/${verbose.pid}/ns/net`)).toBe(`net:[${statSync(verbose.netNamespacePath).ino}]`);
    expect(execFileSync('nsenter', [`--uts=/proc/${verbose.pid}/ns/uts`, 'hostname'], { encoding: 'utf8' }).trim()).toBe('web');
    expect(readFileSync(`/proc/${verbose.pid}/cmdline`, 'utf8')).toBe('/pause\0');
    expect(readFileSync(`/proc/${verbose.pid}/status`, 'utf8')).toMatch(new RegExp(`^NSpid:\\s+${verbose.pid}\\s+1$`, 'm'));
    expect(readFileSync(verbose.resolvConfPath, 'utf8')).toBe('search e2e.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const cgroups = readFileSync(`/proc/${verbose.pid}/cgroup`, 'utf8').trim().split('\n');
    expect(cgroups.every((line) => line.endsWith(`:/ce/k8s.io/${id}`))).toBe(true);
    expect(cgroupDirs(id).length).toBeGreaterThan(0);
    expect(await unary<{ kind: number }>((cb) => snapshots.stat({ key: `k8s.io/sandbox-${id}` }, cb))).toMatchObject({ key: `k8s.io/sandbox-${id}`, labels: { 'ce.owner': 'ce-cri', 'ce.namespace': 'k8s.io' } });
    if (!portmapInUse) expect(natRules()).toContain(`--dport ${hostPort}`);
    // An administrator sees the pod's pause with `ce --namespace k8s.io ps`, not with `ce ps`, and cannot act on it from ce.
    const socket = daemon!.socket;
    const k8s = await ce(['--namespace', 'k8s.io', 'ps', '--no-trunc'], { socket });
    expect(k8s).toMatchObject({ code: 0, stderr: '' });
    expect(k8s.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+OWNER\s+PID\s+STATUS$/);
    expect(k8s.stdout).toMatch(new RegExp(`^${id}\\s+ce-cri\\s+${verbose.pid}\\s+running$`, 'm'));
    expect((await ce(['ps', '-a', '-q', '--no-trunc'], { socket })).stdout).not.toContain(id);
    expect(await ce(['--namespace', 'k8s.io', 'stop', id], { socket })).toMatchObject({ code: 125, stderr: expect.stringContaining('only `ce ps` looks into another namespace') });

    const { stats } = await call<PodSandboxStatsResponse>((cb) => cri.runtime.podSandboxStats({ podSandboxId: id }, cb));
    expect(stats!.attributes).toMatchObject({ id, labels: { app: 'web' } });
    expect(stats!.linux!.process!.processCount!.value).toBe(1n);
    expect(stats!.linux!.memory!.usageBytes!.value).toBeGreaterThan(0n);
    expect(stats!.linux!.network!.defaultInterface).toMatchObject({ name: 'eth0' });
    expect(stats!.linux!.network!.interfaces.map((i) => i.name)).toEqual(['eth0']);
  });

  it('refuses a second sandbox of the same name and attempt, leaving the first alone', async () => {
    const first = sandboxes[0]!;
    const err = await failure(call((cb) => cri.runtime.runPodSandbox({ config: pod('web', { app: 'web' }), runtimeHandler: '' }, cb)));
    expect(err.code).toBe(grpcStatus.ALREADY_EXISTS);
    expect(err.details).toContain(`is reserved for "${first}"`);
    expect(readdirSync(netnsDir())).toEqual([first]);
  });

  it('lists with id prefix, state and label selector filters', async () => {
    const [web] = sandboxes;
    const db = await runPod(pod('db', { app: 'db' }));
    expect(await list()).toEqual([web, db].sort());
    expect(await list({ id: db.slice(0, 12) })).toEqual([db]);
    expect(await list({ labelSelector: { app: 'web' } })).toEqual([web]);
    await stop(db);
    expect(await list({ state: { state: PodSandboxState.SANDBOX_READY } })).toEqual([web]);
    expect(await list({ state: { state: PodSandboxState.SANDBOX_NOTREADY } })).toEqual([db]);
    const { stats } = await call<{ stats: Array<{ attributes?: { id: string } }> }>((cb) => cri.runtime.listPodSandboxStats({ filter: undefined }, cb));
    expect(stats.map((s) => s.attributes!.id)).toEqual([web]);
  });

  it('keeps its sandboxes across a ced restart, and sees the end of a pause killed while ced was down', async () => {
    const [web, db] = sandboxes;
    const lost = await runPod(pod('lost', { app: 'lost' }));
    const lostPause = (JSON.parse((await status(lost, true)).info['info']!) as { pid: number }).pid;
    await daemon!.stop();
    // Nobody hears this exit: the CRI asks the supervisor once, when it starts again.
    process.kill(lostPause, 'SIGKILL');
    await daemon!.restart();
    cri.close();
    cri = dialCri(daemon!.criSocket);
    expect((await status(web!)).status!.state).toBe(PodSandboxState.SANDBOX_READY);
    expect((await status(db!)).status!.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    expect((await status(lost)).status!.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
    expect(await list({ state: { state: PodSandboxState.SANDBOX_READY } })).toEqual([web]);
    // ced's recovery leaves the CRI's layers alone: they are k8s.io's, owned by ce-cri.
    snapshots.close();
    snapshots = dialUnix(SnapshotsClient, daemon!.socket);
    for (const id of [web!, db!]) await expect(unary((cb) => snapshots.stat({ key: `k8s.io/sandbox-${id}` }, cb))).resolves.toMatchObject({ key: `k8s.io/sandbox-${id}` });
  });

  it('stops (network torn down, twice is fine) and removes, leaving no netns, veth, lease, task, cgroup or port rule', async () => {
    for (const id of sandboxes) {
      await stop(id);
      await stop(id);
    }
    expect(readdirSync(netnsDir())).toEqual([]);
    expect(vethsOnBridge()).toEqual([]);
    expect(leases()).toEqual([]);
    if (!portmapInUse) expect(natRules()).not.toContain(`--dport ${hostPort}`);
    for (const id of sandboxes) {
      await remove(id);
      await remove(id);
      expect((await failure(status(id))).code).toBe(grpcStatus.NOT_FOUND);
      expect(cgroupDirs(id)).toEqual([]);
      expect(taskDirs().some((d) => d.includes(id))).toBe(false);
      await expect(unary((cb) => snapshots.stat({ key: `k8s.io/sandbox-${id}` }, cb))).rejects.toMatchObject({ code: 'NotFound' });
    }
    expect(await list()).toEqual([]);
    expect(readdirSync(join(daemon!.root, 'cri', 'sandboxes'))).toEqual([]);
  });

  it('undoes a sandbox whose CNI plugin fails: no record, no netns, the name free again', async () => {
    const broken = join(dir, 'net.d', '05-broken.conflist');
    writeFileSync(broken, JSON.stringify({ cniVersion: '1.0.0', name: `${cniName}-broken`, plugins: [{ type: 'bridge', bridge: `${bridge}x`.slice(0, 15), ipam: { type: 'host-local', ranges: [[{ subnet: 'not-a-subnet' }]], dataDir: join(dir, 'ipam') } }] }));
    try {
      const err = await failure(call((cb) => cri.runtime.runPodSandbox({ config: pod('bad', {}), runtimeHandler: '' }, cb)));
      expect(err.details).toMatch(/^failed to setup network for sandbox "[0-9a-f]{64}": /);
      expect(await list()).toEqual([]);
      expect(readdirSync(netnsDir())).toEqual([]);
    } finally {
      rmSync(broken);
      try {
        execFileSync('ip', ['link', 'del', `${bridge}x`.slice(0, 15)], { stdio: 'ignore' });
      } catch {
        // never made
      }
    }
    const id = await runPod(pod('bad', {}));
    await remove(id);
  });

  it("sweeps, when ced starts, what a sandbox without a record left (a RunPodSandbox cut short): task, CNI attachment, netns, layer", async () => {
    const id = await runPod(pod('cut', { app: 'cut' }));
    const { pid } = JSON.parse((await status(id, true)).info['info']!) as { pid: number };
    expect(vethsOnBridge()).toHaveLength(1);
    await daemon!.stop();
    rmSync(join(daemon!.root, 'cri', 'sandboxes', `${id}.json`));
    await daemon!.restart();
    cri.close();
    cri = dialCri(daemon!.criSocket);
    snapshots.close();
    snapshots = dialUnix(SnapshotsClient, daemon!.socket);
    expect(daemon!.log()).toContain('removed what unfinished pod sandboxes left behind');
    expect(await list()).toEqual([]);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(readdirSync(netnsDir())).toEqual([]);
    expect(vethsOnBridge()).toEqual([]);
    expect(leases()).toEqual([]);
    if (!portmapInUse) expect(natRules()).not.toContain(`--dport ${hostPort}`);
    expect(cgroupDirs(id)).toEqual([]);
    await expect(unary((cb) => snapshots.stat({ key: `k8s.io/sandbox-${id}` }, cb))).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe("a host-network pod on a ced whose supervisor is elsewhere (--supervisor-address)", () => {
  let supDir: string;
  let supervisor: ChildProcess | undefined;
  let remote: TestDaemon | undefined;
  let client: CriClient | undefined;
  let tasksClient: SupervisorClient | undefined;

  beforeAll(async () => {
    supDir = mkdtempSync(join(tmpdir(), 'ce-e2e-cri-sup-'));
    const socket = join(supDir, 'supervisor.sock');
    supervisor = spawn(process.execPath, [join(repoRoot, 'packages/supervisor/bin/ce-supervisor.mjs'), '--state', supDir, '--socket', socket, '--log', join(supDir, 'log')], { stdio: 'ignore' });
    await until('ce-supervisor to listen', () => existsSync(socket), 15_000);
    remote = await startTestDaemon(['--supervisor-address', socket]);
    client = dialCri(remote.criSocket);
    tasksClient = dialUnix(SupervisorClient, socket);
  });

  afterAll(async () => {
    client?.close();
    tasksClient?.close();
    await remote?.dispose();
    if (supervisor && supervisor.exitCode === null) {
      const exited = new Promise((resolve) => supervisor!.once('exit', resolve));
      supervisor.kill('SIGTERM');
      await exited;
    }
    if (supDir) rmSync(supDir, { recursive: true, force: true });
  });

  it("runs the pause as a task of that supervisor in k8s.io, in the host's network, and removes it", async () => {
    const config = PodSandboxConfig.fromPartial({
      metadata: { name: 'hostnet', namespace: 'e2e', uid: `uid-hostnet-${tag}`, attempt: 0 },
      hostname: 'ignored',
      linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } } },
    });
    const { podSandboxId: id } = await call<{ podSandboxId: string }>((cb) => client!.runtime.runPodSandbox({ config, runtimeHandler: '' }, cb));
    try {
      const k8sTasks = async () => (await unary<ListTasksResponse>((cb) => tasksClient!.listTasks({ namespace: 'k8s.io' }, cb))).tasks.map((t) => t.id);
      expect(await k8sTasks()).toEqual([id]);
      const { status: st, info } = await call<PodSandboxStatusResponse>((cb) => client!.runtime.podSandboxStatus({ podSandboxId: id, verbose: true }, cb));
      expect(st).toMatchObject({ state: PodSandboxState.SANDBOX_READY, network: { ip: '' } });
      const { pid, netNamespacePath } = JSON.parse(info['info']!) as { pid: number; netNamespacePath: string };
      expect(netNamespacePath).toBe('');
      expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(readlinkSync('/proc/self/ns/net'));
      expect(readlinkSync(`/proc/${pid}/ns/uts`)).toBe(readlinkSync('/proc/self/ns/uts'));
      await call((cb) => client!.runtime.removePodSandbox({ podSandboxId: id }, cb));
      expect(await k8sTasks()).toEqual([]);
    } finally {
      await call((cb) => client!.runtime.removePodSandbox({ podSandboxId: id }, cb)).catch(() => undefined);
    }
  });
});
