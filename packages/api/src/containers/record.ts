import type { ParsedMountPoint } from '@ce/protocol/mounts';
import type { ContainerJSON } from './model/docker-types.js';

export type { ContainerConfig, ContainerState, ContainerStatus, HostConfig } from './model/docker-types.js';

/** The version of the record's layout on disk; records of an older one are migrated when loaded (model/migrate.ts). */
export const CONTAINER_RECORD_SCHEMA = 2;

/**
 * What ced keeps of a container, in <root>/containers/<id>/config.json:
 * Docker's ContainerJSON as `docker inspect` shows it, plus the fields of
 * Docker's own config.v2.json that inspect does not show.
 */
export interface ContainerRecord extends ContainerJSON {
  SchemaVersion: typeof CONTAINER_RECORD_SCHEMA;
  /** `ce stop` (or kill) by a user: unless-stopped does not restart it, even after a ced restart. */
  HasBeenManuallyStopped?: boolean;
  /** Docker's config.v2.json MountPoints: what create decided of each bind, volume and tmpfs (Mounts is inspect's view of them). */
  MountPoints?: StoredMountPoint[];
}

/** A mount point as the record keeps it. */
export interface StoredMountPoint extends ParsedMountPoint {
  /** A --mount bind: its source must exist at start, it is never created. */
  SkipMountpointCreation?: boolean;
}

/** The container's name without Docker's leading slash. */
export function containerName(record: Pick<ContainerRecord, 'Name'>): string {
  return record.Name.startsWith('/') ? record.Name.slice(1) : record.Name;
}
