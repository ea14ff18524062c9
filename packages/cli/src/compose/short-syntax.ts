// The short forms of ports, volumes and depends_on, read into their long forms.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parsePortSpec } from '@ce/protocol/port-specs';
import type { DependencyCondition, PortConfig, VolumeMount } from './model.js';

/** "127.0.0.1:8080:80/tcp", "9000", "8000-8001:80-81", or a bare number. */
export function parseShortPort(spec: string | number): PortConfig[] {
  const text = String(spec);
  // Docker's -p parser: one mapping per container port of a range; its errors are Docker's words.
  const mappings = parsePortSpec(text);
  return mappings.map(({ port, binding }) => {
    const [target, protocol] = port.split('/');
    const config: PortConfig = { target: Number(target) };
    if (binding.HostPort) config.published = binding.HostPort;
    if (binding.HostIp) config.host_ip = binding.HostIp;
    if (protocol && (protocol !== 'tcp' || /\/tcp$/.test(text))) config.protocol = protocol;
    return config;
  });
}

const VOLUME_MODES = /^(ro|rw|z|Z|nocopy|shared|rshared|slave|rslave|private|rprivate|cached|delegated|consistent)$/;

/** A path on the host: absolute, relative to the project folder, or under ~. */
export function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

export function resolveHostPath(source: string, workingDir: string): string {
  if (source === '~' || source.startsWith('~/')) return resolve(homedir(), source.slice(2));
  return isAbsolute(source) ? resolve(source) : resolve(workingDir, source);
}

/** "[source:]target[:mode]": a named volume, a bind (relative paths resolved), or an anonymous volume. */
export function parseShortVolume(spec: string, workingDir: string): VolumeMount {
  const parts = spec.split(':');
  let mode: string | undefined;
  if (parts.length > 1 && parts.at(-1)!.split(',').every((m) => VOLUME_MODES.test(m))) mode = parts.pop();
  if (parts.length > 2) throw new Error(`Invalid volume specification: ${spec}`);
  const [first, second] = parts as [string, string | undefined];
  const modes = mode?.split(',') ?? [];
  const readOnly = modes.includes('ro');
  const rest = modes.filter((m) => m !== 'ro' && m !== 'rw');
  const base = (mount: VolumeMount): VolumeMount => {
    if (readOnly) mount.read_only = true;
    if (rest.length) mount.mode = rest.join(',');
    return mount;
  };
  if (second === undefined) return base({ type: 'volume', target: first });
  if (isHostPath(first)) return base({ type: 'bind', source: resolveHostPath(first, workingDir), target: second });
  return base({ type: 'volume', source: first, target: second });
}

export function dependsOnMap(value: unknown): Record<string, { condition: DependencyCondition }> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((name: string) => [name, { condition: 'service_started' as const }]));
  const out: Record<string, { condition: DependencyCondition }> = {};
  for (const [name, v] of Object.entries((value ?? {}) as Record<string, { condition?: DependencyCondition }>)) {
    out[name] = { condition: v?.condition ?? 'service_started' };
  }
  return out;
}
