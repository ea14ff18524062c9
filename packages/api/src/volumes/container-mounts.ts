// A container's mount points, decided at create as moby's
// registerMountPoints and createContainerOSSpecificSettings do: volumes of
// --volumes-from, then Binds (-v), then Mounts (--mount), then the image's
// and Config's VOLUMEs as anonymous volumes; each volume created if missing
// and referenced by the container; empty volumes filled from the image.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { invalidArgument } from '@ce/protocol/errors';
import {
  cleanPath,
  duplicateMountPoint,
  modeIsWritable,
  parseMountSpec,
  parseVolumeSpec,
  parseVolumesFrom,
  validateTmpfsDestination,
  type MountSpec,
} from '@ce/protocol/mounts';
import type { ContainerConfig, HostConfig } from '../containers/model/docker-types.js';
import type { ContainerRecord, StoredMountPoint } from '../containers/record.js';
import { copyImageContent, imagePathKind } from './image-content.js';
import type { VolumeService } from './volume-service.js';


export interface ContainerMountsDeps {
  volumes: VolumeService;
  /** ced's --root: a bind of it (or of a folder above it) gets rslave propagation, as dockerd's. */
  daemonRoot: string;
  /** A container's record by name or id (--volumes-from); throws NotFound. */
  resolveContainer(ref: string): ContainerRecord;
  /** The layer folders of a container's rootfs, topmost first (to read the image's content at a path). */
  layerDirs(containerId: string): string[];
  /** Where the host is read; tests give their own. */
  pathExists?: (path: string) => boolean;
}

/** Docker's check of binds of its own root: they must not be private, so unmounts under it propagate. */
function daemonRootPropagation(spec: MountSpec, daemonRoot: string): boolean {
  if (spec.Type !== 'bind' || !spec.Source) return false;
  const source = spec.Source;
  if (!source.startsWith(daemonRoot) && !daemonRoot.startsWith(source)) return false;
  const propagation = spec.BindOptions?.Propagation ?? '';
  if (propagation === '') return true;
  if (propagation === 'rslave' || propagation === 'rshared') return false;
  throw invalidArgument(
    `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(daemonRoot)}, bind mount source: ${JSON.stringify(source)}, propagation: ${JSON.stringify(propagation)}`,
  );
}

export class ContainerMounts {
  constructor(private readonly deps: ContainerMountsDeps) {}

  /** Every create-time check that needs nothing created: throws Docker's errors before the container's layer exists. */
  check(hostConfig: Partial<HostConfig>): void {
    for (const dest of Object.keys(hostConfig.Tmpfs ?? {})) validateTmpfsDestination(dest);
    for (const b of hostConfig.Binds ?? []) parseVolumeSpec(b, hostConfig.VolumeDriver ?? '');
    const exists = this.deps.pathExists ?? existsSync;
    for (const m of hostConfig.Mounts ?? []) parseMountSpec(m, { bindSourceExists: exists });
    for (const v of hostConfig.VolumesFrom ?? []) this.deps.resolveContainer(parseVolumesFrom(v).container);
  }

  /**
   * The container's mount points, with its volumes created and referenced
   * and empty ones filled from the image. On failure every reference taken
   * and every volume created here is undone.
   */
  async register(id: string, config: ContainerConfig, hostConfig: HostConfig): Promise<StoredMountPoint[]> {
    const points = new Map<string, StoredMountPoint>();
    const created: string[] = [];
    const referenced: string[] = [];
    const volumes = this.deps.volumes;
    const useVolume = async (point: StoredMountPoint, meta: { labels?: Record<string, string> | null; options?: Record<string, string> | null; anonymous?: boolean }) => {
      const name = point.Name || randomBytes(32).toString('hex');
      const { volume, created: isNew } = await volumes.createFor(id, {
        Name: name,
        Driver: point.Driver,
        Labels: meta.labels ?? null,
        Options: meta.options ?? null,
        ...(meta.anonymous ? { Anonymous: true } : {}),
      });
      referenced.push(name);
      if (isNew) created.push(name);
      point.Name = name;
      point.Driver = volume.Driver;
      point.Source = volume.Mountpoint;
      // Docker's setBindModeIfNull for local volumes.
      if (point.Mode === '') point.Mode = 'z';
    };
    const put = (point: StoredMountPoint) => {
      const previous = points.get(point.Destination);
      if (previous?.Type === 'volume' && previous.Name) {
        volumes.release(previous.Name, id);
      }
      points.set(point.Destination, point);
    };
    try {
      const binds = new Set<string>();
      for (const from of hostConfig.VolumesFrom ?? []) {
        const { container, mode } = parseVolumesFrom(from);
        const other = this.deps.resolveContainer(container);
        for (const m of other.MountPoints ?? []) {
          const copy: StoredMountPoint = { ...m, RW: m.RW && modeIsWritable(mode), CopyData: false };
          if (copy.Type === 'volume' && copy.Name) {
            volumes.get(copy.Name, id);
            referenced.push(copy.Name);
          }
          put(copy);
        }
      }
      for (const raw of hostConfig.Binds ?? []) {
        const point: StoredMountPoint = parseVolumeSpec(raw, hostConfig.VolumeDriver);
        if (daemonRootPropagation(point.Spec, this.deps.daemonRoot)) point.Propagation = 'rslave';
        if (binds.has(point.Destination) || (hostConfig.Tmpfs && point.Destination in hostConfig.Tmpfs)) throw duplicateMountPoint(point.Destination);
        if (point.Type === 'volume') await useVolume(point, {});
        binds.add(point.Destination);
        put(point);
      }
      const exists = this.deps.pathExists ?? existsSync;
      for (const spec of hostConfig.Mounts ?? []) {
        const point: StoredMountPoint = parseMountSpec(spec, { bindSourceExists: exists });
        if (daemonRootPropagation(spec, this.deps.daemonRoot)) point.Propagation = 'rslave';
        if (binds.has(point.Destination)) throw duplicateMountPoint(spec.Target);
        if (point.Type === 'volume') {
          await useVolume(point, { labels: spec.VolumeOptions?.Labels ?? null, options: spec.VolumeOptions?.DriverConfig?.Options ?? null, anonymous: !spec.Source });
        }
        if (point.Type === 'bind') point.SkipMountpointCreation = true;
        binds.add(point.Destination);
        put(point);
      }
      const layers = this.deps.layerDirs(id);
      for (const path of Object.keys(config.Volumes ?? {})) {
        const destination = cleanPath(path);
        if (points.has(destination)) continue; // a --volumes-from, -v or --mount there wins
        if ((await imagePathKind(layers, destination)) === 'file') {
          throw invalidArgument(`cannot mount volume over existing file, file exists ${destination}`);
        }
        const point: StoredMountPoint = {
          Type: 'volume',
          Name: '',
          Source: '',
          Destination: destination,
          Driver: '',
          Mode: '',
          RW: true,
          Propagation: '',
          CopyData: true,
          Spec: { Type: 'volume', Target: destination },
        };
        await useVolume(point, { anonymous: true });
        point.Mode = '';
        put(point);
      }
      for (const point of points.values()) {
        if (point.Type === 'volume' && point.CopyData && point.Name) await this.fill(id, point, layers);
      }
    } catch (err) {
      for (const name of referenced) volumes.release(name, id);
      for (const name of created) await volumes.remove(name, true).catch(() => undefined);
      throw err;
    }
    return [...points.values()];
  }

  /** Docker's populateVolumes: an empty volume gets the image's content at its destination. */
  private async fill(id: string, point: StoredMountPoint, layers: string[]): Promise<void> {
    const driver = this.deps.volumes.driver;
    const holder = `fill:${id}`;
    const path = driver.mount(point.Name!, holder);
    try {
      if (await driver.isEmpty(point.Name!)) await copyImageContent(layers, point.Destination, path);
    } finally {
      driver.unmount(point.Name!, holder);
    }
  }

  /** A record loaded at start-up takes its references again. */
  restore(record: ContainerRecord): void {
    for (const m of record.MountPoints ?? []) if (m.Type === 'volume' && m.Name) this.deps.volumes.reference(m.Name, record.Id);
  }

  /** A removed container's references go; with `removeVolumes` (rm -v) its anonymous volumes too, unless another container uses them. */
  async release(record: ContainerRecord, removeVolumes: boolean): Promise<string[]> {
    const problems: string[] = [];
    for (const m of record.MountPoints ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      this.deps.volumes.release(m.Name, record.Id);
      if (!removeVolumes || m.Spec.Source) continue;
      if (this.deps.volumes.inUse(m.Name)) continue;
      await this.deps.volumes.remove(m.Name, true).catch((err: Error) => problems.push(err.message));
    }
    return problems;
  }
}
