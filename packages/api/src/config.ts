import { join } from 'node:path';
import type { Ulimit } from './containers/model/docker-types.js';

export const DEFAULT_SOCKET_GROUP = 'ce';

export interface DaemonConfig {
  /** Persistent state: image store, container records (default /var/lib/ce). */
  root: string;
  /** Runtime state: sockets, shims, bundles (default /run/ce). */
  state: string;
  /** Where ce.api.v1 is served (default <state>/ce.sock). */
  socket: string;
  /** Where the Docker Engine API is served: unix:///path or tcp://<loopback>:port (default unix://<state>/docker.sock); empty: not served. */
  dockerHosts: string[];
  /** Where the Kubernetes CRI is served (default <state>/cri.sock); empty: not served. */
  criSocket: string;
  /** Where the CRI's streaming server (exec, attach, port-forward) listens: containerd's stream_server_address (default 127.0.0.1). */
  criStreamAddress?: string;
  /** Its port, containerd's stream_server_port (default 0: a free port). */
  criStreamPort?: number;
  /** The socket's group (dockerd's --group; ced's default "ce", added if missing); "" (the default when embedding) leaves it root's. */
  socketGroup: string;
  logLevel: string;
  logFile: string;
  /** Use a ce-supervisor at this socket instead of the in-process supervisor. */
  supervisorAddress?: string;
  /** Registries reached over plain HTTP besides localhost and 127.0.0.0/8 (dockerd's --insecure-registry). */
  insecureRegistries?: string[];
  /** Mirrors of docker.io, tried before it (dockerd's --registry-mirror). */
  registryMirrors?: string[];
  /** `<dir>/<host:port>/*.crt` are CAs trusted for that registry (default /etc/docker/certs.d). */
  certsDir?: string;
  /** Containers' default seccomp profile: unset for Docker's, "unconfined", or a profile file (dockerd's --seccomp-profile). */
  seccompProfile?: string;
  /** Containers' default log driver (dockerd's --log-driver, daemon.json log-driver). */
  logDriver?: string;
  /** Its options as KEY=VALUE (dockerd's --log-opt, daemon.json log-opts). */
  logOpts?: string[];
  /** Containers run an init unless they say --init=false (dockerd's --init). */
  init?: boolean;
  /** The init `--init` mounts at /sbin/docker-init (dockerd's --init-path; default: @ce/native's ce-container-init). */
  initPath?: string;
  /** dockerd's --add-runtime name=path, parsed. */
  runtimes?: Record<string, string>;
  /** dockerd's --default-runtime (default "ce", the in-process runtime). */
  defaultRuntime?: string;
  /**
   * How containers are supervised (decision 0029): `host`, one shim process for all with a small
   * ce-monitor per container; `per-container`, a Node shim per container. Default host, or
   * CE_SHIM_HOST=0|1 in the environment.
   */
  shimMode: ShimMode;
  /** Containers' rlimits unless they set their own of that name (dockerd's default-ulimits). */
  defaultUlimits?: Ulimit[];
  network: NetworkConfig;
}

export const SHIM_MODES = ['host', 'per-container'] as const;
export type ShimMode = (typeof SHIM_MODES)[number];

/** dockerd's network flags, and ce's own chain prefix (so that test daemons keep apart). */
export interface NetworkConfig {
  /** The default network's bridge device (dockerd -b); 'none': no default bridge network. */
  bridge: string;
  /** The default bridge's address and prefix (dockerd --bip). */
  bip: string;
  /** Where user-defined networks without --subnet take theirs (dockerd --default-address-pool). */
  addressPools: { base: string; size: number }[];
  /** Program NAT, published ports and isolation (dockerd --iptables). */
  iptables: boolean;
  /** Turn on the host's IPv4 forwarding (dockerd --ip-forward). */
  ipForward: boolean;
  /** Prefix of ce's firewall chains (default CE). */
  chainPrefix: string;
  /** The default bridge's MTU (dockerd --mtu); unset: 1500. */
  mtu?: number;
  /** Containers' default resolvers, search domains and options (dockerd --dns, --dns-search, --dns-opt). */
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  /** Where `ce network create -d cni --opt cni.config=<name>` looks the name up; unset: /etc/cni/net.d. */
  cniConfigDir?: string;
  /** Where CNI plugins are found, in order; unset: /usr/lib/cni (Debian's), /opt/cni/bin. */
  cniBinDirs?: string[];
}

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = {
  bridge: 'ce0',
  bip: '10.210.0.1/16',
  addressPools: [{ base: '10.211.0.0/16', size: 24 }],
  iptables: true,
  ipForward: true,
  chainPrefix: 'CE',
  dns: [],
  dnsSearch: [],
  dnsOptions: [],
};

export function resolveConfig(flags: Partial<Omit<DaemonConfig, 'network'>> & { network?: Partial<NetworkConfig> }, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const root = flags.root ?? env.CE_ROOT ?? '/var/lib/ce';
  const state = flags.state ?? env.CE_STATE ?? '/run/ce';
  return {
    root,
    state,
    socket: flags.socket ?? join(state, 'ce.sock'),
    socketGroup: flags.socketGroup ?? '',
    dockerHosts: flags.dockerHosts ?? [`unix://${join(state, 'docker.sock')}`],
    criSocket: flags.criSocket ?? join(state, 'cri.sock'),
    criStreamAddress: flags.criStreamAddress,
    criStreamPort: flags.criStreamPort,
    logLevel: flags.logLevel ?? env.CE_LOG_LEVEL ?? 'info',
    logFile: flags.logFile ?? join(root, 'ced.log'),
    supervisorAddress: flags.supervisorAddress,
    insecureRegistries: flags.insecureRegistries ?? [],
    registryMirrors: flags.registryMirrors ?? [],
    certsDir: flags.certsDir,
    seccompProfile: flags.seccompProfile,
    logDriver: flags.logDriver,
    logOpts: flags.logOpts ?? [],
    init: flags.init ?? false,
    initPath: flags.initPath,
    runtimes: flags.runtimes ?? {},
    defaultRuntime: flags.defaultRuntime,
    shimMode: flags.shimMode ?? (env.CE_SHIM_HOST === '0' ? 'per-container' : 'host'),
    defaultUlimits: flags.defaultUlimits ?? [],
    network: { ...DEFAULT_NETWORK_CONFIG, ...flags.network },
  };
}
