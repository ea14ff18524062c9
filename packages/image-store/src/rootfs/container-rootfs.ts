// Containers' root filesystems: an active snapshot over an image's unpacked
// layers, labelled with the image. Local to the snapshotter's files: ced's
// container port asks for labels and mounts without waiting, and diff,
// export and the mounted check read the directories themselves.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MNT_DETACH, mountAll, umount2 } from '@ce/native';
import { CeError, failedPrecondition, invalidArgument, notFound } from '@ce/protocol';
import type { ContentStore } from '../content/content-store.js';
import type { Digest } from '../digest.js';
import type { ImageResolver } from '../images/image-resolver.js';
import { ROOTFS_LABEL_IMAGE_ID, ROOTFS_LABEL_IMAGE_NAME } from '../images/remove-image.js';
import type { FileLeaseManager } from '../leases/manager.js';
import { MediaType } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';
import type { Descriptor } from '../oci/types.js';
import { writeDiff } from '../snapshots/diff.js';
import { overlayMountsWithUpper } from '../snapshots/mount-info.js';
import type { Mount, OverlaySnapshotter } from '../snapshots/overlay.js';
import type { FsOps } from '../unpack/fs-ops.js';
import { unpackImage } from '../unpack/unpacker.js';
import { diskUsage } from '../util/disk-usage.js';
import type { Logger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';

export interface ContainerRootfsParts {
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  resolver: ImageResolver;
  leases: FileLeaseManager;
  logger: Logger;
  fsOps?: FsOps;
  allowDevices: boolean;
}

export class ContainerRootfs {
  constructor(private readonly parts: ContainerRootfsParts) {}

  private get snapshotter(): OverlaySnapshotter {
    return this.parts.snapshotter;
  }

  /**
   * Prepares a container's root filesystem: unpacks the image's missing layers
   * into shared snapshots and creates the writable snapshot `key` on top.
   * Returns the mounts (ce.types.v1.Mount shape) that assemble it.
   * `labels` (e.g. the owner's namespace and name) are kept with the rootfs; see labels().
   */
  async prepare(key: string, reference: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    const { resolver, logger } = this.parts;
    if (!key) throw invalidArgument('a rootfs key is required');
    if (this.snapshotter.has(key)) throw new CeError('AlreadyExists', `rootfs ${key} already exists`);
    const image = await resolver.get(reference);
    const { manifest, config } = await resolver.resolve(image.target, image.name);
    if (config.os !== resolver.platform.os || config.architecture !== resolver.platform.architecture) {
      logger.warn(
        { image: image.name, image_platform: formatPlatform(config), host: formatPlatform(resolver.platform) },
        "the image's platform does not match this machine's",
      );
    }
    try {
      const top = await unpackImage({ content: this.parts.content, snapshotter: this.snapshotter, manifest, config, logger, fsOps: this.parts.fsOps, allowDevices: this.parts.allowDevices });
      return await this.snapshotter.prepare(key, top, { ...labels, [ROOTFS_LABEL_IMAGE_ID]: image.id, [ROOTFS_LABEL_IMAGE_NAME]: image.name });
    } catch (err) {
      throw noSpaceLeft(err, `preparing the root filesystem of ${key} in`, this.snapshotter.root) ?? err;
    }
  }

  /** The keys of every container rootfs (active snapshot), e.g. to find ones nobody owns. */
  keys(): string[] {
    return this.snapshotter
      .list()
      .filter((s) => s.kind === 'active')
      .map((s) => s.key);
  }

  /** Bytes in the writable layer of the rootfs `key`; 0 when there is no such rootfs. */
  async size(key: string): Promise<number> {
    const info = this.snapshotter.has(key) ? this.snapshotter.statSync(key) : undefined;
    return info?.kind === 'active' ? diskUsage(this.snapshotter.fsPath(key)) : 0;
  }

  /** The labels a rootfs was prepared with (and the image it came from). */
  labels(key: string): Record<string, string> {
    this.checkActive(key);
    return this.snapshotter.statSync(key).labels;
  }

  /** The mounts of an existing rootfs (e.g. after a daemon restart). */
  mounts(key: string): Mount[] {
    this.checkActive(key);
    return this.snapshotter.mountsSync(key);
  }

  private checkActive(key: string): void {
    const info = this.snapshotter.has(key) ? this.snapshotter.statSync(key) : undefined;
    if (!info || info.kind !== 'active') throw notFound(`No such rootfs: ${key}`);
  }

  /** Deletes a container's writable layer. It must not be mounted any more (in this mount namespace). */
  async remove(key: string): Promise<void> {
    this.checkActive(key);
    const upper = this.snapshotter.fsPath(key);
    const mountedAt = await overlayMountsWithUpper(upper);
    if (mountedAt.length) {
      throw failedPrecondition(`rootfs ${key} is still mounted at ${mountedAt.join(', ')}; unmount it first`);
    }
    await this.snapshotter.remove(key);
  }

  /** Mounts the rootfs `key` at `targetDir` (for library users; the shim mounts in the daemon's case). */
  async mount(key: string, targetDir: string): Promise<void> {
    const mounts = this.mounts(key);
    await mkdir(targetDir, { recursive: true });
    mountAll(mounts, targetDir);
  }

  /** Unmounts a rootfs mounted with mount(); lazily if it is busy. */
  async unmount(targetDir: string): Promise<void> {
    try {
      umount2(targetDir, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EBUSY') {
        umount2(targetDir, MNT_DETACH);
        return;
      }
      throw err;
    }
  }

  /**
   * The changes of the container rootfs `key` as a layer (for commit and
   * build): a gzip-compressed tar with overlay whiteouts as `.wh.` entries,
   * committed to the content store. Returns its descriptor and diff id.
   */
  async diff(key: string): Promise<{ descriptor: Descriptor; diffId: Digest }> {
    this.checkActive(key);
    const tarHash = createHash('sha256');
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        tarHash.update(chunk);
        cb(null, chunk);
      },
    });
    const gzip = createGzip();
    const writing = pipeline(counter, gzip);
    writing.catch(() => undefined); // awaited below
    const lease = await this.parts.leases.create({ reason: `diff of ${key}` });
    try {
      const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
      const [info] = await Promise.all([this.parts.content.ingest(gzip, {}, leaseBlob), writeDiff(this.snapshotter.fsPath(key), counter).then(() => writing)]);
      return {
        descriptor: { mediaType: MediaType.OciLayerGzip, digest: info.digest, size: info.size },
        diffId: `sha256:${tarHash.digest('hex')}`,
      };
    } finally {
      await lease.release();
    }
  }

  /** Writes the changes in the writable layer of rootfs `key` as a layer tar (what `docker commit` stores). */
  async changes(key: string, out: Writable): Promise<void> {
    this.checkActive(key);
    await writeDiff(this.snapshotter.fsPath(key), out);
  }

  /**
   * Writes the whole filesystem of rootfs `key` as a tar (`docker export`),
   * read through a read-only overlay of its layers: the container may run.
   */
  async export(key: string, out: Writable): Promise<void> {
    this.checkActive(key);
    const dir = await mkdtemp(join(tmpdir(), 'ce-export-'));
    try {
      mountAll([readOnlyView(this.snapshotter.mountsSync(key)[0]!)], dir);
      try {
        await writeDiff(dir, out, () => null);
      } finally {
        umount2(dir, MNT_DETACH);
      }
    } finally {
      await rmdir(dir).catch(() => undefined);
    }
  }
}

/** A read-only view of an active rootfs mount: its upper directory becomes the top lower one. */
function readOnlyView(mount: Mount): Mount {
  if (mount.type !== 'overlay') return { ...mount, options: mount.options.map((o) => (o === 'rw' ? 'ro' : o)) };
  const option = (key: string) => mount.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  return { ...mount, options: [`lowerdir=${option('upperdir')}:${option('lowerdir')}`] };
}
