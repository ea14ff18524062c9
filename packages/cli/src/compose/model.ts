// A loaded Compose project: every file merged, interpolated, checked and put
// in one long form (docker-compose 1.29's normalised config), which `config`
// prints and the planner reads.

export interface PortConfig {
  target: number;
  /** Empty: any free port. May be a range ("8000-8010"). */
  published?: string;
  host_ip?: string;
  protocol?: string;
  /** The short syntax's container range end ("8000-8001:80-81"). */
  target_end?: number;
}

export interface VolumeMount {
  type: 'volume' | 'bind' | 'tmpfs';
  /** A volume's name in the file (key of `volumes:`), a bind's absolute host path; none for an anonymous volume or tmpfs. */
  source?: string;
  target: string;
  read_only?: boolean;
  /** Short syntax's mode beyond ro/rw (z, Z, nocopy, propagation…). */
  mode?: string;
  volume?: { nocopy?: boolean };
  bind?: { propagation?: string; create_host_path?: boolean };
  tmpfs?: { size?: number | string };
}

export interface HealthcheckConfig {
  test?: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  disable?: boolean;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  priority?: number;
}

/** `build:` in its long form; keys ce does not act on are kept (and refused when building). */
export interface BuildConfig {
  /** Absolute. */
  context: string;
  dockerfile?: string;
  /** One file's `B` (no value) is null until the files merge; then the environment's value, or ''. */
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  [other: string]: unknown;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  build?: BuildConfig;
  container_name?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment: Record<string, string | null>;
  ports: PortConfig[];
  expose: string[];
  volumes: VolumeMount[];
  networks: Record<string, ServiceNetwork | null>;
  /** The file gave no `networks` (the service is on the default one): `config` leaves the key out, as docker-compose. */
  defaultNetworkImplied?: true;
  network_mode?: string;
  depends_on: Record<string, { condition: DependencyCondition }>;
  healthcheck?: HealthcheckConfig;
  restart?: string;
  labels: Record<string, string>;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  stdin_open?: boolean;
  stop_signal?: string;
  stop_grace_period?: string;
  cap_add: string[];
  cap_drop: string[];
  privileged?: boolean;
  extra_hosts: string[];
  dns: string[];
  dns_search: string[];
  tmpfs: string[];
  init?: boolean;
  read_only?: boolean;
  security_opt: string[];
  sysctls: Record<string, string>;
  pull_policy?: string;
  /** Keys the file set that ce does not act on (kept for `config`; `up` warns). */
  other: Record<string, unknown>;
}

export interface VolumeConfig {
  /** The volume's name on the daemon. */
  name: string;
  external: boolean;
  driver?: string;
  driver_opts: Record<string, string>;
  labels: Record<string, string>;
}

export interface NetworkConfig {
  name: string;
  external: boolean;
  driver?: string;
  driver_opts: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  ipam?: { driver?: string; config?: Array<{ subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> }> };
  labels: Record<string, string>;
}

export interface ComposeProject {
  name: string;
  workingDir: string;
  /** Absolute paths of the files, in order. */
  configFiles: string[];
  services: ServiceConfig[];
  /** Keyed by the name in the file. */
  volumes: Record<string, VolumeConfig>;
  networks: Record<string, NetworkConfig>;
  /** The files' `version` (docker-compose 1.29 takes a file without one as 3.9). */
  version: string;
  /** The environment interpolation used (the process's over the .env file's). */
  environment: Record<string, string>;
}

export function serviceByName(project: ComposeProject, name: string): ServiceConfig | undefined {
  return project.services.find((s) => s.name === name);
}
