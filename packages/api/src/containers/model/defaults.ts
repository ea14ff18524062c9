import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '@ce/runtime/spec';
import { ZERO_TIME, type ContainerState, type EndpointSettings, type HostConfig, type NetworkSettings } from './docker-types.js';

/** Docker's /dev/shm size when none is asked for: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** ce's runtime: ce-runc in the shim. */
export const DEFAULT_RUNTIME = 'ce';

/** The HostConfig of `docker create` with no flags, as Docker 20.10 on cgroup v1 records it. */
export function defaultHostConfig(): HostConfig {
  return {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: 'json-file', Config: {} },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: 'host',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: DEFAULT_SHM_SIZE,
    Runtime: DEFAULT_RUNTIME,
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: [...DEFAULT_MASKED_PATHS],
    ReadonlyPaths: [...DEFAULT_READONLY_PATHS],
  };
}

export function emptyEndpoint(): EndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '',
    DriverOpts: null,
  };
}

/**
 * The networks a container is created on when create was given none: the one
 * its NetworkMode names (Docker records "default" as bridge), none for
 * another container's namespace.
 */
export function defaultNetworks(networkMode: string): Record<string, EndpointSettings> {
  if (networkMode.startsWith('container:')) return {};
  return { [networkMode === '' || networkMode === 'default' ? 'bridge' : networkMode]: emptyEndpoint() };
}

/** A container's network settings before the network subsystem joins it to any network. */
export function networkSettingsFor(networks: Record<string, EndpointSettings>): NetworkSettings {
  return {
    Bridge: '',
    SandboxID: '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: networks,
  };
}

export function createdState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}
