// Docker's `local` volume driver: each volume is <root>/volumes/<name>/_data
// with its metadata in volume.json beside it. A volume with options
// (type/device/o: a tmpfs, or a bind of another host path) is mounted on its
// _data while a container uses it, and unmounted when the last one stops.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument, internal, notFound } from '@ce/protocol/errors';
import { validateVolumeName } from '@ce/protocol/mounts';
import { writeFileAtomic } from '../atomic-file.js';
import type { VolumeMeta } from './volume-types.js';

/** mount(2) and umount2(2), and what is mounted; tests give a fake. */
export interface Mounter {
  /** Mounts `device` on `target` with mount(8)-style options (flags and data mixed, as `o=` gives them). */
  mount(device: string, target: string, type: string, options: string[]): void;
  unmount(target: string): void;
  isMounted(target: string): boolean;
}

const VALID_OPTIONS = new Set(['type', 'device', 'o']);
/** Docker's mandatoryOpts: each option needs the ones listed. */
const REQUIRED_WITH: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

const META = 'volume.json';
const DATA = '_data';
/** Folders of a create or a remove in progress; a crash leaves them, the next load removes them. */
const CREATING = '.creating-';
const REMOVING = '.removing-';

export interface LocalVolume extends VolumeMeta {
  readonly mountpoint: string;
}

export class LocalDriver {
  private readonly volumes = new Map<string, LocalVolume>();
  /** For each volume in use, who holds it (container ids); a volume with options is mounted while anyone does. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly creating = new Map<string, Promise<LocalVolume>>();
  private readonly removing = new Map<string, Promise<void>>();

  private constructor(
    readonly dir: string,
    private readonly mounter: Mounter,
  ) {}

  /** Opens <root>/volumes, finishing what a crash interrupted. */
  static async open(dir: string, mounter: Mounter): Promise<LocalDriver> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const driver = new LocalDriver(dir, mounter);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name.startsWith(CREATING) || entry.name.startsWith(REMOVING)) {
        await driver.removeFolder(path);
        continue;
      }
      try {
        const meta = JSON.parse(await readFile(join(path, META), 'utf8')) as VolumeMeta;
        driver.volumes.set(meta.Name, { ...meta, mountpoint: join(path, DATA) });
      } catch {
        // a folder that is no volume of ours: left alone, as Docker leaves it
      }
    }
    return driver;
  }

  get(name: string): LocalVolume | undefined {
    return this.volumes.get(name);
  }

  list(): LocalVolume[] {
    return [...this.volumes.values()];
  }

  /** Checks a name and options as Docker's local driver does; throws its errors. */
  static validate(name: string, options: Record<string, string> | null): void {
    validateVolumeName(name);
    const opts = options ?? {};
    for (const key of Object.keys(opts)) if (!VALID_OPTIONS.has(key)) throw invalidArgument(`invalid option: ${JSON.stringify(key)}`);
    for (const [key, needs] of Object.entries(REQUIRED_WITH)) {
      if (!(key in opts)) continue;
      for (const need of needs) if (!(need in opts)) throw invalidArgument(`missing required option: ${JSON.stringify(need)}`);
    }
  }

  /**
   * Creates the volume: made in a temporary folder, then renamed into place,
   * so a crash leaves either no volume or a whole one.
   */
  async create(meta: VolumeMeta): Promise<LocalVolume> {
    return (await this.ensure(meta)).volume;
  }

  /** The volume of that name, made now (`created`) unless it exists or is being made. */
  async ensure(meta: VolumeMeta): Promise<{ volume: LocalVolume; created: boolean }> {
    LocalDriver.validate(meta.Name, meta.Options);
    // A volume of that name being removed is gone first: the new one is a new volume.
    await this.removing.get(meta.Name)?.catch(() => undefined);
    const existing = this.volumes.get(meta.Name);
    if (existing) return { volume: existing, created: false };
    // Two creates of one name (two containers created at once): the second gets the first's volume.
    const inFlight = this.creating.get(meta.Name);
    if (inFlight) return { volume: await inFlight, created: false };
    const creating = this.createNew(meta).finally(() => this.creating.delete(meta.Name));
    this.creating.set(meta.Name, creating);
    return { volume: await creating, created: true };
  }

  private async createNew(meta: VolumeMeta): Promise<LocalVolume> {
    const temp = join(this.dir, `${CREATING}${meta.Name}-${randomBytes(4).toString('hex')}`);
    const final = join(this.dir, meta.Name);
    try {
      await mkdir(join(temp, DATA), { recursive: true, mode: 0o755 });
      await writeFileAtomic(join(temp, META), JSON.stringify(meta));
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    const volume = { ...meta, mountpoint: join(final, DATA) };
    this.volumes.set(meta.Name, volume);
    return volume;
  }

  /** Removes a volume no container uses: unmounted first, then renamed aside and deleted. */
  async remove(name: string): Promise<void> {
    const volume = this.volumes.get(name);
    if (!volume) throw notFound(`No such volume: ${name}`);
    if (this.mounter.isMounted(volume.mountpoint)) this.mounter.unmount(volume.mountpoint);
    // Out of the map before the first await: nobody can take the volume while it goes.
    this.holders.delete(name);
    this.volumes.delete(name);
    const aside = join(this.dir, `${REMOVING}${name}-${randomBytes(4).toString('hex')}`);
    const removal = (async () => {
      try {
        await rename(join(this.dir, name), aside);
      } catch (err) {
        this.volumes.set(name, volume); // still there as it was
        throw err;
      }
      await this.removeFolder(aside);
    })();
    this.removing.set(name, removal);
    try {
      await removal;
    } finally {
      if (this.removing.get(name) === removal) this.removing.delete(name);
    }
  }

  /**
   * The volume's path for a container: a volume with options is mounted on
   * its _data for its first holder. Throws Docker's "error while mounting volume".
   */
  mount(name: string, holder: string): string {
    const volume = this.volumes.get(name);
    if (!volume) throw notFound(`No such volume: ${name}`);
    let holders = this.holders.get(name);
    if (!holders) this.holders.set(name, (holders = new Set()));
    if (hasOptions(volume) && holders.size === 0 && !this.mounter.isMounted(volume.mountpoint)) {
      const { type = '', device = '', o = '' } = volume.Options ?? {};
      try {
        this.mounter.mount(device, volume.mountpoint, type, o ? o.split(',') : []);
      } catch (err) {
        if (holders.size === 0) this.holders.delete(name);
        throw mountError(volume.mountpoint, device, err);
      }
    }
    holders.add(holder);
    return volume.mountpoint;
  }

  /**
   * A holder is done with the volume; the last one's going unmounts a volume
   * with options. Returns whether `holder` held it (unknown holders are fine).
   */
  unmount(name: string, holder: string): boolean {
    const holders = this.holders.get(name);
    if (!holders?.delete(holder)) return false;
    if (holders.size > 0) return true;
    this.holders.delete(name);
    const volume = this.volumes.get(name);
    if (volume && hasOptions(volume) && this.mounter.isMounted(volume.mountpoint)) this.mounter.unmount(volume.mountpoint);
    return true;
  }

  /** After a restart: who still holds each volume (the running containers); a mounted one nobody holds is unmounted. Returns those. */
  adoptMounts(heldBy: (name: string) => string[]): string[] {
    const unmounted: string[] = [];
    for (const volume of this.volumes.values()) {
      const holders = heldBy(volume.Name);
      if (holders.length > 0) this.holders.set(volume.Name, new Set(holders));
      else if (this.mounter.isMounted(volume.mountpoint)) {
        this.mounter.unmount(volume.mountpoint);
        unmounted.push(volume.Name);
      }
    }
    return unmounted;
  }

  /** Whether a volume's _data holds nothing (it is filled from the image only then). */
  async isEmpty(name: string): Promise<boolean> {
    const volume = this.volumes.get(name);
    if (!volume) return false;
    return (await readdir(volume.mountpoint)).length === 0;
  }

  /** Deletes a volume folder, never reaching through a mount left on its _data. */
  private async removeFolder(path: string): Promise<void> {
    const data = join(path, DATA);
    if (this.mounter.isMounted(data)) {
      try {
        this.mounter.unmount(data);
      } catch (err) {
        throw internal(`could not unmount ${data}: ${(err as Error).message}`, err);
      }
    }
    await rm(path, { recursive: true, force: true });
  }
}

function hasOptions(volume: VolumeMeta): boolean {
  return !!(volume.Options?.type || volume.Options?.device);
}

const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EINVAL: 'invalid argument',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENODEV: 'no such device',
  EBUSY: 'device or resource busy',
  ENOTBLK: 'block device required',
};

/** Docker's words for a local volume that would not mount (the mounter adds `flags` to its error). */
function mountError(mountpoint: string, device: string, err: unknown): Error {
  const code = (err as { code?: string }).code ?? '';
  const flags = (err as { flags?: number }).flags ?? 0;
  const why = STRERROR[code] ?? (err as Error).message;
  return internal(`error while mounting volume '${mountpoint}': failed to mount local volume: mount ${device}:${mountpoint}, flags: 0x${flags.toString(16)}: ${why}`, err);
}
