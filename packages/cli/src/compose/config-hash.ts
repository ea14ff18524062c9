// The com.docker.compose.config-hash label: a digest of what the service asks
// for, so that `up` recreates a container whose service changed.
import { createHash } from 'node:crypto';
import type { ComposeProject, ServiceConfig } from './model.js';

/** Keys sorted at every level, so that the order in the file does not change the hash. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Over the service and the daemon names of the networks and volumes it uses (renaming one recreates). */
export function serviceConfigHash(service: ServiceConfig, project: ComposeProject, imageId: string): string {
  const { depends_on: _order, defaultNetworkImplied: _implied, ...config } = service;
  const networks = Object.keys(service.networks).map((n) => project.networks[n]?.name);
  const volumes = service.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => project.volumes[v.source!]?.name);
  const text = JSON.stringify(canonical({ config, networks, volumes, imageId }));
  return createHash('sha256').update(text).digest('hex');
}
