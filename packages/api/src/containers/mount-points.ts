import type { MountPoint } from './model/docker-types.js';
import type { StoredMountPoint } from './record.js';

/** `docker inspect`'s Mounts: Docker's MountPoint fields of each mount point (Name and Driver for volumes only). */
export function inspectMounts(points: readonly StoredMountPoint[]): MountPoint[] {
  return points.map((m) => ({
    Type: m.Type,
    ...(m.Type === 'volume' ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Type === 'volume' ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}
