import { join } from 'node:path';

export interface DaemonConfig {
  /** Persistent state: image store, container records (default /var/lib/ce). */
  root: string;
  /** Runtime state: sockets, shims, bundles (default /run/ce). */
  state: string;
  /** Where ce.api.v1 is served (default <state>/ce.sock). */
  socket: string;
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
}

export function resolveConfig(flags: Partial<DaemonConfig>, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const root = flags.root ?? env.CE_ROOT ?? '/var/lib/ce';
  const state = flags.state ?? env.CE_STATE ?? '/run/ce';
  return {
    root,
    state,
    socket: flags.socket ?? join(state, 'ce.sock'),
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
  };
}
