// The resolved project as `config` prints it: docker-compose 1.29's
// normalised form (keys sorted, long syntax where the file's short one
// carried more than a string, paths absolute, variables substituted).
import type { ComposeProject, PortConfig, ServiceConfig, VolumeMount } from './model.js';

const nonEmpty = <T>(v: T[] | Record<string, unknown>) => (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function port(p: PortConfig): string | Record<string, unknown> {
  if (p.published === undefined && !p.host_ip) return { target: p.target, ...(p.protocol ? { protocol: p.protocol } : {}) };
  return `${p.host_ip ? `${p.host_ip}:` : ''}${p.published ?? ''}:${p.target}/${p.protocol ?? 'tcp'}`;
}

function volume(v: VolumeMount): string | Record<string, unknown> {
  if (v.type === 'tmpfs' || v.volume || v.bind || v.tmpfs) return { ...v };
  const mode = [v.read_only ? 'ro' : 'rw', ...(v.mode ? [v.mode] : [])].join(',');
  return v.source ? `${v.source}:${v.target}:${mode}` : v.target;
}

function service(s: ServiceConfig, project: ComposeProject): Record<string, unknown> {
  const { name: _name, other, ports, volumes, networks, depends_on, defaultNetworkImplied, environment, ...rest } = s;
  const out: Record<string, unknown> = { ...other };
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    if ((Array.isArray(v) || (typeof v === 'object' && v !== null)) && !nonEmpty(v as never)) continue;
    out[k] = v;
  }
  if (ports.length) out.ports = ports.map(port);
  if (volumes.length) out.volumes = volumes.map(volume);
  // A variable without a value takes the environment's, or stays null (unset), as docker-compose resolves it.
  if (Object.keys(environment).length) out.environment = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, v ?? project.environment[k] ?? null]));
  if (Object.keys(depends_on).length) out.depends_on = depends_on;
  if (!s.network_mode && !defaultNetworkImplied) out.networks = networks;
  return out;
}

export function configDocument(project: ComposeProject): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    services: Object.fromEntries(project.services.map((s) => [s.name, service(s, project)])),
    version: project.version,
  };
  const networks = Object.entries(project.networks).filter(([k]) => k !== 'default' || project.services.every((s) => !('default' in s.networks)) === false);
  const networkEntries = networks.filter(([k, n]) => !(k === 'default' && !n.external && !n.driver));
  if (networkEntries.length) doc.networks = Object.fromEntries(networkEntries.map(([k, n]) => [k, networkEntry(k, project.name, n)]));
  if (Object.keys(project.volumes).length) doc.volumes = Object.fromEntries(Object.entries(project.volumes).map(([k, v]) => [k, volumeEntry(k, project.name, v)]));
  return doc;
}

function networkEntry(key: string, project: string, n: ComposeProject['networks'][string]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (n.external) return { external: true, name: n.name };
  if (n.name !== `${project}_${key}`) out.name = n.name;
  for (const k of ['driver', 'internal', 'attachable', 'enable_ipv6', 'ipam'] as const) if (n[k] !== undefined) out[k] = n[k];
  if (nonEmpty(n.driver_opts)) out.driver_opts = n.driver_opts;
  if (nonEmpty(n.labels)) out.labels = n.labels;
  return out;
}

function volumeEntry(key: string, project: string, v: ComposeProject['volumes'][string]): Record<string, unknown> {
  if (v.external) return { external: true, name: v.name };
  const out: Record<string, unknown> = {};
  if (v.name !== `${project}_${key}`) out.name = v.name;
  if (v.driver) out.driver = v.driver;
  if (nonEmpty(v.driver_opts)) out.driver_opts = v.driver_opts;
  if (nonEmpty(v.labels)) out.labels = v.labels;
  return out;
}
