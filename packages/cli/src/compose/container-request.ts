// A service's container as ced's Containers.Create takes it: the typed
// fields, and Docker's Config/HostConfig/NetworkingConfig for the rest,
// shaped as docker-compose 1.29 sends them to dockerd.
import type { CreateContainerRequest } from '@ce/protocol/gen/ce/api/v1/containers';
import type { EndpointConfig } from '@ce/protocol/gen/ce/network/v1/network';
import { parseRestartFlag } from '../restart-flag.js';
import { ComposeError } from './compose-error.js';
import { durationNanos } from './duration.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { serviceImage } from './naming.js';
import { shellWords } from './shell-words.js';

export interface ContainerPlan {
  request: CreateContainerRequest;
  /** The networks to join after the create (Docker's create takes one), by daemon name. */
  extraNetworks: Array<{ network: string; endpoint: EndpointConfig }>;
}

export interface ContainerRequestOptions {
  name: string;
  labels: Record<string, string>;
  /** `run`: the command given on its command line. */
  command?: string[];
  entrypoint?: string[];
  extraEnv?: string[];
  user?: string;
  workdir?: string;
  /** `run` leaves the service's ports out unless --service-ports. */
  publishPorts?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  autoRemove?: boolean;
  /** Daemon names of the containers of other services, for network_mode: service:x. */
  containerOfService?: (service: string) => string | undefined;
}

const words = (v: string | string[] | undefined) => (v === undefined ? undefined : typeof v === 'string' ? shellWords(v) : v);

export function serviceEnvironment(service: ServiceConfig, project: ComposeProject): string[] {
  const env: string[] = [];
  for (const [key, value] of Object.entries(service.environment)) {
    const resolved = value ?? project.environment[key];
    if (resolved !== undefined) env.push(`${key}=${resolved}`);
  }
  return env;
}

export function containerRequest(service: ServiceConfig, project: ComposeProject, o: ContainerRequestOptions): ContainerPlan {
  const fail = (what: string, err: unknown) => new ComposeError(`Service "${service.name}": ${what}: ${(err as Error).message}`);
  const config: Record<string, unknown> = {};
  const hostConfig: Record<string, unknown> = {};

  const publish = o.publishPorts ?? true;
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of service.ports) {
    const key = `${port.target}/${port.protocol ?? 'tcp'}`;
    exposed[key] = {};
    if (publish) (bindings[key] ??= []).push({ HostIp: port.host_ip ?? '', HostPort: port.published ?? '' });
  }
  for (const e of service.expose) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  if (Object.keys(bindings).length) hostConfig.PortBindings = bindings;

  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  const tmpfs: Record<string, string> = {};
  for (const m of service.volumes) {
    if (m.type === 'tmpfs') tmpfs[m.target] = m.tmpfs?.size !== undefined ? `size=${m.tmpfs.size}` : '';
    else if (!m.source) anonymous[m.target] = {};
    else {
      const source = m.type === 'volume' ? project.volumes[m.source]!.name : m.source;
      const modes = [m.read_only ? 'ro' : 'rw', ...(m.mode ? [m.mode] : []), ...(m.volume?.nocopy ? ['nocopy'] : []), ...(m.bind?.propagation ? [m.bind.propagation] : [])];
      binds.push(`${source}:${m.target}:${modes.join(',')}`);
    }
  }
  for (const t of service.tmpfs) {
    const at = t.indexOf(':');
    tmpfs[at < 0 ? t : t.slice(0, at)] = at < 0 ? '' : t.slice(at + 1);
  }
  if (binds.length) hostConfig.Binds = binds;
  if (Object.keys(anonymous).length) config.Volumes = anonymous;
  if (Object.keys(tmpfs).length) hostConfig.Tmpfs = tmpfs;

  if (service.healthcheck) {
    const h = service.healthcheck;
    try {
      const test = h.disable ? ['NONE'] : typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
      config.Healthcheck = {
        ...(test ? { Test: test } : {}),
        ...(h.interval ? { Interval: durationNanos(h.interval) } : {}),
        ...(h.timeout ? { Timeout: durationNanos(h.timeout) } : {}),
        ...(h.start_period ? { StartPeriod: durationNanos(h.start_period) } : {}),
        ...(h.retries !== undefined ? { Retries: h.retries } : {}),
      };
    } catch (err) {
      throw fail('healthcheck', err);
    }
  }
  if (service.domainname) config.Domainname = service.domainname;
  if (service.restart) {
    const policy = parseRestartFlag(service.restart === 'no' ? '' : service.restart);
    hostConfig.RestartPolicy = { Name: policy.name, MaximumRetryCount: policy.maximumRetryCount };
  }
  if (service.extra_hosts.length) hostConfig.ExtraHosts = service.extra_hosts;
  if (service.dns.length) hostConfig.Dns = service.dns;
  if (service.dns_search.length) hostConfig.DnsSearch = service.dns_search;
  if (service.init !== undefined) hostConfig.Init = service.init;
  if (service.read_only) hostConfig.ReadonlyRootfs = true;
  if (Object.keys(service.sysctls).length) hostConfig.Sysctls = service.sysctls;

  const networkNames = Object.keys(service.networks).sort((a, b) => (service.networks[b]?.priority ?? 0) - (service.networks[a]?.priority ?? 0));
  const endpoint = (key: string): EndpointConfig => ({
    aliases: [service.name, ...(service.networks[key]?.aliases ?? [])],
    ipv4Address: service.networks[key]?.ipv4_address ?? '',
    links: [],
  });
  let networkingConfig: Record<string, unknown> | undefined;
  const extraNetworks: ContainerPlan['extraNetworks'] = [];
  const mode = service.network_mode;
  if (mode?.startsWith('service:')) {
    const other = o.containerOfService?.(mode.slice(8));
    if (!other) throw new ComposeError(`Service "${service.name}" uses the network stack of service "${mode.slice(8)}", which has no container`);
    hostConfig.NetworkMode = `container:${other}`;
  } else if (mode) hostConfig.NetworkMode = mode;
  else if (networkNames.length) {
    const [first, ...rest] = networkNames;
    const daemonName = project.networks[first!]!.name;
    hostConfig.NetworkMode = daemonName;
    const e = endpoint(first!);
    networkingConfig = { EndpointsConfig: { [daemonName]: { Aliases: e.aliases, ...(e.ipv4Address ? { IPAMConfig: { IPv4Address: e.ipv4Address } } : {}) } } };
    for (const key of rest) extraNetworks.push({ network: project.networks[key]!.name, endpoint: endpoint(key) });
  }

  let stopTimeout: number | undefined;
  if (service.stop_grace_period) {
    try {
      stopTimeout = Math.round(durationNanos(service.stop_grace_period) / 1e9);
    } catch (err) {
      throw fail('stop_grace_period', err);
    }
  }
  let cmd: string[] | undefined;
  let entrypoint: string[] | undefined;
  try {
    cmd = o.command?.length ? o.command : words(service.command);
    entrypoint = o.entrypoint ?? words(service.entrypoint);
  } catch (err) {
    throw fail('command', err);
  }
  const request: CreateContainerRequest = {
    name: o.name,
    image: serviceImage(project.name, service),
    cmd: cmd ? { values: cmd } : undefined,
    entrypoint: entrypoint ? { values: entrypoint } : undefined,
    env: [...serviceEnvironment(service, project), ...(o.extraEnv ?? [])],
    workingDir: o.workdir ?? service.working_dir ?? '',
    user: o.user ?? service.user ?? '',
    hostname: service.hostname ?? '',
    autoRemove: !!o.autoRemove,
    tty: o.tty ?? !!service.tty,
    openStdin: o.stdinOpen ?? !!service.stdin_open,
    labels: { ...service.labels, ...o.labels },
    privileged: !!service.privileged,
    capAdd: service.cap_add,
    capDrop: service.cap_drop,
    securityOpt: service.security_opt,
    stopSignal: service.stop_signal ?? '',
    stopTimeout,
    configJson: Object.keys(config).length ? JSON.stringify(config) : '',
    hostConfigJson: JSON.stringify(hostConfig),
    networkingConfigJson: networkingConfig ? JSON.stringify(networkingConfig) : '',
  };
  return { request, extraNetworks };
}
