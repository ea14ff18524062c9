// One file's service entry in the long form of the model (paths resolved
// against the project folder, env_file read into environment), so that
// files can be merged key by key.
import { resolve } from 'node:path';
import { normalizeBuild } from './build-config.js';
import { ComposeError } from './compose-error.js';
import { readEnvFile } from './env-file.js';
import { isMapping } from './interpolate.js';
import type { HealthcheckConfig, PortConfig, ServiceConfig, ServiceNetwork, VolumeMount } from './model.js';
import { dependsOnMap, parseShortPort, parseShortVolume, resolveHostPath } from './short-syntax.js';

export type ServiceFields = Partial<Omit<ServiceConfig, 'name'>>;

/** Keys the model names; anything else the schema allows goes to `other`. */
const KNOWN = new Set([
  'image', 'build', 'container_name', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'networks',
  'network_mode', 'depends_on', 'healthcheck', 'restart', 'labels', 'user', 'working_dir', 'hostname', 'domainname', 'tty',
  'stdin_open', 'stop_signal', 'stop_grace_period', 'cap_add', 'cap_drop', 'privileged', 'extra_hosts', 'dns', 'dns_search',
  'tmpfs', 'init', 'read_only', 'security_opt', 'sysctls', 'pull_policy',
]);

const SCALARS = [
  'image', 'container_name', 'network_mode', 'restart', 'user', 'working_dir', 'hostname', 'domainname', 'stop_signal',
  'stop_grace_period', 'pull_policy',
] as const;
const FLAGS = ['tty', 'stdin_open', 'privileged', 'init', 'read_only'] as const;

/** list_or_dict: ["A=1", "B"] or {A: 1, B: null} → {A: "1", B: null}. */
export function listOrDict(value: unknown, separator = '='): Record<string, string | null> {
  if (value === undefined || value === null) return {};
  const out: Record<string, string | null> = {};
  if (Array.isArray(value)) {
    for (const item of value.map(String)) {
      const at = item.indexOf(separator);
      if (at < 0) out[item] = null;
      else out[item.slice(0, at)] = item.slice(at + separator.length);
    }
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = v === null || v === undefined ? null : scalarText(v);
  return out;
}

const scalarText = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : (v as string));

const stringList = (value: unknown): string[] => (value === undefined || value === null ? [] : [value].flat().map(String));

const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(listOrDict(value)).map(([k, v]) => [k, v ?? '']));

export function normalizeService(name: string, raw: Record<string, unknown>, workingDir: string): ServiceFields {
  const at = (what: string, err: unknown) => new ComposeError(`Service "${name}": ${what}: ${(err as Error).message}`);
  const out: ServiceFields = {};
  for (const key of SCALARS) if (raw[key] !== undefined && raw[key] !== null) out[key] = scalarText(raw[key]) as never;
  for (const key of FLAGS) if (raw[key] !== undefined && raw[key] !== null) out[key] = Boolean(raw[key]);
  if (raw.build !== undefined && raw.build !== null) out.build = normalizeBuild(raw.build, workingDir, listOrDict);
  if (raw.command !== undefined && raw.command !== null) out.command = Array.isArray(raw.command) ? raw.command.map(String) : String(raw.command);
  if (raw.entrypoint !== undefined && raw.entrypoint !== null) out.entrypoint = Array.isArray(raw.entrypoint) ? raw.entrypoint.map(String) : String(raw.entrypoint);

  const environment: Record<string, string | null> = {};
  for (const file of envFiles(raw.env_file)) {
    const path = resolve(workingDir, file.path);
    try {
      Object.assign(environment, readEnvFile(path, file.path));
    } catch (err) {
      if (file.required) throw err;
    }
  }
  if (raw.env_file !== undefined || raw.environment !== undefined) out.environment = Object.assign(environment, listOrDict(raw.environment));
  if (raw.labels !== undefined) out.labels = stringMap(raw.labels);
  if (raw.sysctls !== undefined) out.sysctls = stringMap(raw.sysctls);

  if (raw.ports !== undefined) {
    try {
      out.ports = (raw.ports as unknown[]).flatMap((p) => (isMapping(p) ? [longPort(p)] : parseShortPort(p as string | number)));
    } catch (err) {
      throw at('ports', err);
    }
  }
  if (raw.expose !== undefined) out.expose = stringList(raw.expose);
  if (raw.volumes !== undefined) {
    try {
      out.volumes = (raw.volumes as unknown[]).map((v) => (isMapping(v) ? longVolume(v, workingDir) : parseShortVolume(String(v), workingDir)));
    } catch (err) {
      throw at('volumes', err);
    }
  }
  if (raw.networks !== undefined) {
    out.networks = Array.isArray(raw.networks)
      ? Object.fromEntries(raw.networks.map((n: string) => [n, null]))
      : Object.fromEntries(Object.entries(raw.networks as Record<string, ServiceNetwork | null>).map(([k, v]) => [k, v ?? null]));
  }
  if (raw.depends_on !== undefined) out.depends_on = dependsOnMap(raw.depends_on);
  if (raw.healthcheck !== undefined) out.healthcheck = healthcheck(raw.healthcheck as Record<string, unknown>);
  for (const key of ['cap_add', 'cap_drop', 'dns', 'dns_search', 'tmpfs', 'security_opt'] as const) {
    if (raw[key] !== undefined) out[key] = stringList(raw[key]);
  }
  if (raw.extra_hosts !== undefined) {
    out.extra_hosts = Array.isArray(raw.extra_hosts)
      ? raw.extra_hosts.map((h: string) => h.replace('=', ':'))
      : Object.entries(raw.extra_hosts as Record<string, unknown>).map(([h, ip]) => `${h}:${[ip].flat().join(',')}`);
  }
  const other = Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN.has(k)));
  if (Object.keys(other).length) out.other = other;
  return out;
}

function envFiles(value: unknown): Array<{ path: string; required: boolean }> {
  if (value === undefined || value === null) return [];
  return [value].flat().map((f) => (isMapping(f) ? { path: String(f.path), required: f.required !== false } : { path: String(f), required: true }));
}

function longPort(p: Record<string, unknown>): PortConfig {
  const port: PortConfig = { target: Number(p.target) };
  if (p.published !== undefined && p.published !== null && p.published !== '') port.published = String(p.published);
  if (p.host_ip) port.host_ip = String(p.host_ip);
  if (p.protocol) port.protocol = String(p.protocol);
  if (!Number.isInteger(port.target) || port.target < 1 || port.target > 65535) throw new Error(`invalid target port ${String(p.target)}`);
  return port;
}

function longVolume(v: Record<string, unknown>, workingDir: string): VolumeMount {
  const type = String(v.type) as VolumeMount['type'];
  if (type !== 'volume' && type !== 'bind' && type !== 'tmpfs') throw new Error(`volume type ${type} is not supported`);
  const mount: VolumeMount = { type, target: String(v.target) };
  if (v.source !== undefined && v.source !== null && v.source !== '') mount.source = type === 'bind' ? resolveHostPath(String(v.source), workingDir) : String(v.source);
  if (type === 'bind' && !mount.source) throw new Error(`bind mount of ${mount.target} has no source`);
  if (v.read_only) mount.read_only = true;
  if (isMapping(v.volume)) mount.volume = { nocopy: !!v.volume.nocopy };
  if (isMapping(v.bind)) mount.bind = { ...(v.bind.propagation ? { propagation: String(v.bind.propagation) } : {}), ...(v.bind.create_host_path === false ? { create_host_path: false } : {}) };
  if (isMapping(v.tmpfs) && v.tmpfs.size !== undefined) mount.tmpfs = { size: v.tmpfs.size as number | string };
  return mount;
}

function healthcheck(raw: Record<string, unknown>): HealthcheckConfig {
  const out: HealthcheckConfig = {};
  if (raw.test !== undefined) out.test = Array.isArray(raw.test) ? raw.test.map(String) : String(raw.test);
  for (const key of ['interval', 'timeout', 'start_period'] as const) if (raw[key] !== undefined) out[key] = String(raw[key]);
  if (raw.retries !== undefined) out.retries = Number(raw.retries);
  if (raw.disable !== undefined) out.disable = Boolean(raw.disable);
  return out;
}
