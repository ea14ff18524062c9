// CreateContainerRequest (typed fields for the CLI's common flags, plus
// Docker's Config/HostConfig/NetworkingConfig JSON for the rest) as Docker's create body.
import { invalidArgument } from '@ce/protocol';
import type { CreateContainerRequest } from '@ce/protocol/gen/ce/api/v1/containers';
import type { CreateOptions } from './container-service.js';
import type { ContainerConfig, HostConfig } from './model/docker-types.js';
import type { NetworkingConfig } from '../networking/create-check.js';

export function parseObject(json: string, what: string): Record<string, unknown> {
  if (!json) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw invalidArgument(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function createOptionsFromRequest(req: CreateContainerRequest): CreateOptions {
  const config = parseObject(req.configJson, 'config_json') as Partial<ContainerConfig>;
  const hostConfig = parseObject(req.hostConfigJson, 'host_config_json') as Partial<HostConfig>;
  const networkingConfig = parseObject(req.networkingConfigJson ?? '', 'networking_config_json') as NetworkingConfig;
  const set = <T>(value: T | undefined, isSet: boolean): T | undefined => (isSet ? value : undefined);
  return {
    name: req.name,
    ...(req.networkingConfigJson ? { networkingConfig } : {}),
    config: {
      ...config,
      Image: req.image || (config.Image ?? ''),
      ...def('Cmd', req.cmd ? req.cmd.values : undefined),
      ...def('Entrypoint', req.entrypoint ? req.entrypoint.values : undefined),
      ...def('Env', set(req.env, req.env.length > 0)),
      ...def('WorkingDir', set(req.workingDir, req.workingDir !== '')),
      ...def('User', set(req.user, req.user !== '')),
      ...def('Hostname', set(req.hostname, req.hostname !== '')),
      ...def('Tty', set(true, req.tty)),
      ...def('OpenStdin', set(true, req.openStdin)),
      ...def('Labels', set(req.labels, Object.keys(req.labels).length > 0)),
      ...def('StopSignal', set(req.stopSignal, req.stopSignal !== '')),
      ...def('StopTimeout', req.stopTimeout),
    },
    hostConfig: {
      ...hostConfig,
      ...def('AutoRemove', set(true, req.autoRemove)),
      ...def('Privileged', set(true, req.privileged)),
      ...def('CapAdd', set(req.capAdd, req.capAdd.length > 0)),
      ...def('CapDrop', set(req.capDrop, req.capDrop.length > 0)),
      ...def('SecurityOpt', set(req.securityOpt, req.securityOpt.length > 0)),
    },
  };
}

/** `{ [key]: value }` when value is set, else nothing. */
function def<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
