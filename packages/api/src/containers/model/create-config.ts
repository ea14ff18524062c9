// `docker create`'s merge of what the client asked for with the image's
// config (moby daemon/commit.go merge) and Docker's HostConfig defaults.
import { invalidArgument } from '@ce/protocol';
import type { ImageRunConfig } from '../process-args.js';
import { defaultHostConfig } from './defaults.js';
import type { ContainerConfig, HealthConfig, HostConfig } from './docker-types.js';

/** What a client sends to create a container: Docker's Config (Image required) and HostConfig, each field optional. */
export interface CreateRequestConfig {
  config: Partial<ContainerConfig> & { Image: string };
  hostConfig: Partial<HostConfig>;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** The user's env first, then each image variable the user did not set, as Docker merges them. */
export function mergeImageEnv(user: readonly string[] | null | undefined, image: readonly string[] | null | undefined): string[] | null {
  if (!user || user.length === 0) return image ? [...image] : null;
  const keys = new Set(user.map(envKey));
  return [...user, ...(image ?? []).filter((e) => !keys.has(envKey(e)))];
}

function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image;
  if (!image) return user;
  return {
    Test: user.Test && user.Test.length > 0 ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    Retries: user.Retries || image.Retries,
  };
}

/**
 * The container's Config: the client's, with the image's values where the
 * client set none. `Cmd`/`Entrypoint` follow Docker's rule: an entrypoint
 * given drops the image's command.
 */
export function mergeContainerConfig(id: string, user: CreateRequestConfig['config'], image: ImageRunConfig): ContainerConfig {
  const entrypoint = user.Entrypoint ?? image.Entrypoint ?? null;
  const cmd = user.Cmd ?? (user.Entrypoint ? null : (image.Cmd ?? null));
  const healthcheck = mergeHealthcheck(user.Healthcheck, image.Healthcheck);
  const exposed = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  const volumes = image.Volumes || user.Volumes ? { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) } : null;
  const stopSignal = user.StopSignal || image.StopSignal || '';
  return {
    Hostname: user.Hostname || id.slice(0, 12),
    Domainname: user.Domainname ?? '',
    User: user.User || image.User || '',
    AttachStdin: user.AttachStdin ?? false,
    AttachStdout: user.AttachStdout ?? false,
    AttachStderr: user.AttachStderr ?? false,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    Tty: user.Tty ?? false,
    OpenStdin: user.OpenStdin ?? false,
    StdinOnce: user.StdinOnce ?? false,
    Env: mergeImageEnv(user.Env, image.Env),
    Cmd: cmd,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: user.Image,
    Volumes: volumes,
    WorkingDir: user.WorkingDir || image.WorkingDir || '',
    Entrypoint: entrypoint,
    ...(user.MacAddress ? { MacAddress: user.MacAddress } : {}),
    OnBuild: null,
    Labels: { ...(image.Labels ?? {}), ...(user.Labels ?? {}) },
    ...(stopSignal ? { StopSignal: stopSignal } : {}),
    ...(user.StopTimeout !== undefined && user.StopTimeout !== null ? { StopTimeout: user.StopTimeout } : {}),
  };
}

const LIST_FIELDS = ['Binds', 'CapAdd', 'CapDrop', 'SecurityOpt', 'GroupAdd', 'ExtraHosts', 'Dns', 'DnsOptions', 'DnsSearch', 'Links', 'VolumesFrom'] as const;

/** The container's HostConfig: Docker's defaults under what the client set; wrong JSON types are refused by name. */
export function mergeHostConfig(user: Partial<HostConfig>): HostConfig {
  for (const field of LIST_FIELDS) {
    const value = user[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw invalidArgument(`HostConfig.${field} must be a list of strings`);
    }
  }
  const hostConfig: HostConfig = { ...defaultHostConfig(), ...stripUndefined(user) };
  if (hostConfig.Privileged) {
    hostConfig.MaskedPaths = null;
    hostConfig.ReadonlyPaths = null;
  }
  return hostConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
