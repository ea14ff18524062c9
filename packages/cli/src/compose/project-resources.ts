// The project's networks and volumes on the daemon: made by up (labelled as
// docker-compose labels them), removed by down; external ones only checked.
import { CeError, unary } from '@ce/protocol';
import type { Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { Network } from '@ce/protocol/gen/ce/network/v1/network';
import type { Connection } from '../connection.js';
import { ComposeError } from './compose-error.js';
import type { ComposeProject } from './model.js';
import { COMPOSE_VERSION, LABEL } from './naming.js';

const isNotFound = (err: unknown) => err instanceof CeError && err.code === 'NotFound';

export type Say = (line: string) => void;

/** The networks the given services use (by their key in the file). */
export function networksUsed(project: ComposeProject, services = project.services): string[] {
  return [...new Set(services.flatMap((s) => Object.keys(s.networks)))];
}

export async function ensureNetworks(conn: Connection, project: ComposeProject, keys: string[], say: Say): Promise<void> {
  for (const key of keys) {
    const config = project.networks[key]!;
    const existing = await unary<Network>((cb) => conn.networks.inspect({ ref: config.name }, cb), conn.target).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (existing) continue;
    if (config.external) {
      throw new ComposeError(`Network ${config.name} declared as external, but could not be found. Please create the network manually using \`docker network create ${config.name}\` and try again.`);
    }
    say(config.driver ? `Creating network "${config.name}" with driver "${config.driver}"` : `Creating network "${config.name}" with the default driver`);
    await unary<Network>(
      (cb) =>
        conn.networks.create(
          {
            name: config.name,
            driver: config.driver ?? 'bridge',
            internal: !!config.internal,
            attachable: !!config.attachable,
            enableIpv6: !!config.enable_ipv6,
            ipamDriver: config.ipam?.driver ?? '',
            ipamConfig: (config.ipam?.config ?? []).map((c) => ({ subnet: c.subnet ?? '', ipRange: c.ip_range ?? '', gateway: c.gateway ?? '', auxiliaryAddresses: c.aux_addresses ?? {} })),
            ipamOptions: {},
            options: config.driver_opts,
            labels: { ...config.labels, [LABEL.network]: key, [LABEL.project]: project.name, [LABEL.version]: COMPOSE_VERSION },
          },
          cb,
        ),
      conn.target,
    );
  }
}

export async function ensureVolumes(conn: Connection, project: ComposeProject, keys: string[], say: Say): Promise<void> {
  for (const key of keys) {
    const config = project.volumes[key]!;
    const existing = await unary<Volume>((cb) => conn.volumes.inspect({ name: config.name }, cb), conn.target).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (existing) continue;
    if (config.external) {
      throw new ComposeError(`Volume ${config.name} declared as external, but could not be found. Please create the volume manually using \`docker volume create --name=${config.name}\` and try again.`);
    }
    say(config.driver ? `Creating volume "${config.name}" with ${config.driver} driver` : `Creating volume "${config.name}" with default driver`);
    await unary<Volume>(
      (cb) =>
        conn.volumes.create(
          {
            name: config.name,
            driver: config.driver ?? 'local',
            driverOpts: config.driver_opts,
            labels: { ...config.labels, [LABEL.volume]: key, [LABEL.project]: project.name, [LABEL.version]: COMPOSE_VERSION },
          },
          cb,
        ),
      conn.target,
    );
  }
}

/** The volumes (keys) that the given services mount by name. */
export function volumesUsed(project: ComposeProject, services = project.services): string[] {
  return [...new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)))];
}

export async function removeNetworks(conn: Connection, project: ComposeProject, say: Say): Promise<void> {
  for (const config of Object.values(project.networks)) {
    if (config.external) continue;
    say(`Removing network ${config.name}`);
    await unary((cb) => conn.networks.remove({ ref: config.name }, cb), conn.target).catch((err: unknown) => {
      if (isNotFound(err)) say(`Network ${config.name} not found.`);
      else throw err;
    });
  }
}

export async function removeVolumes(conn: Connection, project: ComposeProject, say: Say): Promise<void> {
  for (const config of Object.values(project.volumes)) {
    if (config.external) continue;
    say(`Removing volume ${config.name}`);
    await unary((cb) => conn.volumes.remove({ name: config.name, force: false }, cb), conn.target).catch((err: unknown) => {
      if (isNotFound(err)) say(`Volume ${config.name} not found.`);
      else throw err;
    });
  }
}
