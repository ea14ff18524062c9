// ced's volumes: Docker's volume service over the local driver, with the
// references containers hold. References are not stored: they are the
// containers' records (MountPoints), read again at start-up, so a crash
// cannot leave a count that is wrong.
import { randomBytes } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, isCeError, notFound } from '@ce/protocol/errors';
import { LocalDriver } from './local-driver.js';
import { listFilter, pruneFilter, type VolumeFilters } from './volume-filters.js';
import { LOCAL_DRIVER, type VolumeJSON, type VolumeMeta } from './volume-types.js';
import { noEvents, type EventPublisher } from '../events/event-publisher.js';

export interface CreateVolumeOptions {
  /** Generated (64 hex digits) when empty. */
  name?: string;
  /** '' or 'local'. */
  driver?: string;
  options?: Record<string, string> | null;
  labels?: Record<string, string> | null;
}

export interface PruneReport {
  deleted: string[];
  spaceReclaimed: number;
}

/** The local service `ce volume` reaches (the gRPC service forwards to it, the client implements it). */
export interface VolumesApi {
  create(options: CreateVolumeOptions): Promise<VolumeJSON>;
  inspect(name: string): Promise<VolumeJSON>;
  list(filters: VolumeFilters): Promise<VolumeJSON[]>;
  remove(name: string, force: boolean): Promise<void>;
  prune(filters: VolumeFilters): Promise<PruneReport>;
  /** docker system df: every volume's size and reference count. */
  diskUsage(): Promise<VolumeUsage[]>;
}

export interface VolumeUsage {
  name: string;
  size: number;
  refCount: number;
}

export class VolumeService implements VolumesApi {
  /** Volume name → the containers that reference it. */
  private readonly references = new Map<string, Set<string>>();

  constructor(
    readonly driver: LocalDriver,
    private readonly events: Pick<EventPublisher, 'volume'> = noEvents,
  ) {}

  /** `docker volume create`: an existing volume of that name is returned as it is. */
  async create(options: CreateVolumeOptions): Promise<VolumeJSON> {
    const name = options.name || randomBytes(32).toString('hex');
    try {
      checkDriver(options.driver);
      const { volume, created } = await this.driver.ensure({
        Name: name,
        CreatedAt: dockerTime(new Date()),
        Labels: options.labels ?? {},
        Options: options.options ?? {},
      });
      if (created) this.events.volume(name, 'create', { driver: LOCAL_DRIVER });
      return toVolumeJSON(volume);
    } catch (err) {
      throw prefixed(`create ${name}`, err);
    }
  }

  /**
   * A volume for a container (named or anonymous), created if missing, with
   * the container's reference taken. Returns whether it was created now.
   */
  async createFor(containerId: string, meta: Omit<VolumeMeta, 'CreatedAt'> & { Driver?: string }): Promise<{ volume: VolumeJSON; created: boolean }> {
    try {
      checkDriver(meta.Driver);
      const { volume, created } = await this.driver.ensure({
        Name: meta.Name,
        CreatedAt: dockerTime(new Date()),
        Labels: meta.Labels,
        Options: meta.Options,
        ...(meta.Anonymous ? { Anonymous: true } : {}),
      });
      this.reference(meta.Name, containerId);
      if (created) this.events.volume(meta.Name, 'create', { driver: LOCAL_DRIVER });
      return { volume: toVolumeJSON(volume), created };
    } catch (err) {
      throw prefixed(`create ${meta.Name}`, err);
    }
  }

  /** An existing volume, referenced by a container (--volumes-from). */
  get(name: string, containerId?: string): VolumeJSON {
    const volume = this.driver.get(name);
    if (!volume) throw notFound(`No such volume: ${name}`);
    if (containerId) this.reference(name, containerId);
    return toVolumeJSON(volume);
  }

  async inspect(name: string): Promise<VolumeJSON> {
    return this.get(name);
  }

  async list(filters: VolumeFilters): Promise<VolumeJSON[]> {
    const keep = listFilter(filters, (name) => this.inUse(name));
    return this.driver.list().map(toVolumeJSON).filter(keep);
  }

  /** Docker's rm: refused while a container references the volume, even with force; force ignores a missing one. */
  async remove(name: string, force: boolean): Promise<void> {
    const users = this.users(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    try {
      await this.driver.remove(name);
    } catch (err) {
      if (force && isCeError(err, 'NotFound')) return;
      throw isCeError(err, 'NotFound') ? err : prefixed(`remove ${name}`, err);
    }
    this.events.volume(name, 'destroy', { driver: LOCAL_DRIVER });
  }

  /** Docker 20.10's prune: local volumes without options that no container references. */
  async prune(filters: VolumeFilters): Promise<PruneReport> {
    const keep = pruneFilter(filters);
    const report: PruneReport = { deleted: [], spaceReclaimed: 0 };
    for (const volume of this.driver.list()) {
      if (this.inUse(volume.Name) || Object.keys(volume.Options ?? {}).length > 0 || !keep(toVolumeJSON(volume))) continue;
      const size = await directorySize(volume.mountpoint).catch(() => 0);
      if (this.inUse(volume.Name)) continue; // taken by a container while it was measured
      try {
        await this.driver.remove(volume.Name);
      } catch {
        continue; // as Docker: a volume that cannot go is skipped
      }
      this.events.volume(volume.Name, 'destroy', { driver: LOCAL_DRIVER });
      report.deleted.push(volume.Name);
      report.spaceReclaimed += size;
    }
    return report;
  }

  async diskUsage(): Promise<VolumeUsage[]> {
    const usage: VolumeUsage[] = [];
    for (const volume of this.driver.list()) {
      usage.push({ name: volume.Name, size: await directorySize(volume.mountpoint).catch(() => 0), refCount: this.users(volume.Name).length });
    }
    return usage;
  }

  reference(name: string, containerId: string): void {
    let set = this.references.get(name);
    if (!set) this.references.set(name, (set = new Set()));
    set.add(containerId);
  }

  release(name: string, containerId: string): void {
    const set = this.references.get(name);
    if (!set) return;
    set.delete(containerId);
    if (set.size === 0) this.references.delete(name);
  }

  users(name: string): string[] {
    return [...(this.references.get(name) ?? [])];
  }

  inUse(name: string): boolean {
    return (this.references.get(name)?.size ?? 0) > 0;
  }

  isAnonymous(name: string): boolean {
    return this.driver.get(name)?.Anonymous === true;
  }
}

function checkDriver(driver: string | undefined): void {
  if (driver && driver !== LOCAL_DRIVER) throw invalidArgument(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
}

/** Docker's "<op> <name>: <why>", keeping the error's code. */
function prefixed(what: string, err: unknown): Error {
  if (!isCeError(err)) return err as Error;
  err.message = `${what}: ${err.message}`;
  return err;
}

/** Go's time.RFC3339 in UTC, as Docker prints a volume's CreatedAt. */
function dockerTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function toVolumeJSON(v: VolumeMeta & { mountpoint: string }): VolumeJSON {
  return { CreatedAt: v.CreatedAt, Driver: LOCAL_DRIVER, Labels: v.Labels, Mountpoint: v.mountpoint, Name: v.Name, Options: v.Options, Scope: 'local' };
}

/** The bytes of the regular files under a folder, each inode counted once (Docker's directory.Size). */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<number>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const st = await lstat(path);
      if (st.isDirectory()) await walk(path);
      else if (!seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}
