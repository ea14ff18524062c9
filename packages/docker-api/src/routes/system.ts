import { unary } from '@ce/protocol';
import type { InfoResponse, VersionResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { API_VERSION, MIN_API_VERSION } from '../api-version.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** GET and HEAD /_ping: "OK", with the headers a client negotiates its version from. */
function ping(ctx: RequestContext): void {
  const res = ctx.reply();
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': ctx.req.method === 'HEAD' ? '0' : '2',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': '1',
  });
  res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
}

/** Go's GOARCH names, which Docker's clients print and compare, for Node's. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
export const goArch = (nodeArch: string) => GO_ARCH[nodeArch] ?? nodeArch;

/** GET /version: Docker's SystemVersion, with ced as the Engine component. */
export function dockerVersion(v: VersionResponse): Record<string, unknown> {
  return {
    Platform: { Name: 'ce' },
    Components: [
      {
        Name: 'Engine',
        Version: v.version,
        Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GoVersion: v.nodeVersion, GitCommit: v.gitCommit, Os: v.os, Arch: goArch(v.arch), KernelVersion: v.kernelVersion, CgroupVersion: v.cgroupVersion },
      },
    ],
    Version: v.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: v.gitCommit,
    GoVersion: v.nodeVersion,
    Os: v.os,
    Arch: goArch(v.arch),
    KernelVersion: v.kernelVersion,
    BuildTime: '',
  };
}

/** GET /info: Docker's SystemInfo from ced's. */
export function dockerInfo(i: InfoResponse): Record<string, unknown> {
  return {
    ID: i.id,
    Containers: i.containers,
    ContainersRunning: i.containersRunning,
    ContainersPaused: i.containersPaused,
    ContainersStopped: i.containersStopped,
    Images: i.images,
    Driver: i.storageDriver,
    DriverStatus: [['Backing Filesystem', i.backingFilesystem]],
    Plugins: { Volume: ['local'], Network: i.networkPlugins, Authorization: null, Log: i.logPlugins },
    MemoryLimit: true,
    SwapLimit: true,
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: i.cgroupVersion === '1',
    IPv4Forwarding: true,
    BridgeNfIptables: true,
    BridgeNfIp6tables: true,
    Debug: i.debug,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: i.loggingDriver,
    CgroupDriver: i.cgroupDriver,
    CgroupVersion: i.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: i.kernelVersion,
    OperatingSystem: i.operatingSystem,
    OSVersion: '',
    OSType: i.osType,
    Architecture: i.architecture,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: i.insecureRegistries.filter((r) => r.includes('/')),
      IndexConfigs: Object.fromEntries(
        [['docker.io', { Name: 'docker.io', Mirrors: i.registryMirrors, Secure: true, Official: true }], ...i.insecureRegistries.filter((r) => !r.includes('/')).map((r) => [r, { Name: r, Mirrors: [], Secure: false, Official: false }])],
      ),
      Mirrors: i.registryMirrors,
    },
    NCPU: i.ncpu,
    MemTotal: Number(i.memTotal),
    GenericResources: null,
    DockerRootDir: i.storageRoot,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: i.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: i.serverVersion,
    Runtimes: Object.fromEntries(i.runtimes.map((r) => [r, { path: r }])),
    DefaultRuntime: i.defaultRuntime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: i.liveRestore,
    Isolation: '',
    InitBinary: i.initBinary,
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: i.securityOptions,
    Warnings: null,
  };
}

export function registerSystemRoutes(router: Router): void {
  router.get('/_ping', ping).head('/_ping', ping);
  router.get('/version', async (ctx) => {
    const v = await unary<VersionResponse>((cb) => ctx.engine.system.version({}, cb));
    ctx.json(200, dockerVersion(v));
  });
  router.get('/info', async (ctx) => {
    const i = await unary<InfoResponse>((cb) => ctx.engine.system.info({}, cb));
    ctx.json(200, dockerInfo(i));
  });
}
