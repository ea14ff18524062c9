import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MNT_DETACH, mountAll, umount2 } from '@ce/native';
import { CeError, failedPrecondition, invalidArgument, notFound } from '@ce/protocol';
import { ContentStore } from './content/store.js';
import { shortId } from './digest.js';
import { ImageMetadataStore, type ImageMeta } from './images/metadata.js';
import { importOciLayout as importLayout } from './layout/import.js';
import { defaultPlatform, formatPlatform, platformScore } from './oci/platform.js';
import type { Descriptor, OciImageConfig, OciManifest, Platform } from './oci/types.js';
import { isImageManifest, parseImageConfig, parseIndexOrManifest } from './oci/validate.js';
import { DEFAULT_DOMAIN, familiarReference, isIdLike, parseReference } from './reference/reference.js';
import { OverlaySnapshotter, type Mount } from './snapshots/overlay.js';
import type { ImageRecord, ImageService, RemoveImageResult } from './types.js';
import type { FsOps } from './unpack/fs-ops.js';
import { unpackImage } from './unpack/unpacker.js';
import { silentLogger, type Logger } from './util/logger.js';
import { KeyedMutex } from './util/mutex.js';
import type { LeaseManager } from './leases/types.js';
import { fetchImage } from './registry/pull.js';
import { pushImage } from './registry/push.js';
import { checkLogin } from './registry/login.js';
import type { PullOptions, PullResult, PushOptions, PushResult, RegistryCredentials, RegistryOptions, RegistryService } from './registry/types.js';
import { UnpackPipeline } from './registry/unpack-pipeline.js';

export interface ImageStoreOptions {
  /** The store's folder, e.g. /var/lib/ce/image-store; nobody else writes there. */
  root: string;
  logger?: Logger;
  /** Platform to resolve multi-platform images for (default: this machine's). */
  platform?: Platform;
  /** mknod/lsetxattr for unpacking (default @ce/native). */
  fsOps?: FsOps;
  /** syncfs each unpacked layer before committing it (default true). */
  syncLayers?: boolean;
  /** How pull and push reach registries: insecure hosts, CAs, mirrors, credentials. */
  registry?: RegistryOptions;
  /** Leases for what a pull commits before its image is named (so garbage collection leaves it alone). */
  leases?: LeaseManager;
}

/** Labels the store puts on a container's (active) snapshot. */
export const ROOTFS_LABEL_IMAGE_ID = 'ce.image.id';
export const ROOTFS_LABEL_IMAGE_NAME = 'ce.image.name';

interface Resolved {
  manifestDesc: Descriptor;
  manifest: OciManifest;
  config: OciImageConfig;
}

/**
 * The image store: a content store (blobs by digest), image records
 * (name → manifest), and an overlay snapshotter (unpacked layers by chain id,
 * containers' writable layers), as containerd splits them.
 *
 * Layout under `root`: `blobs/sha256/`, `ingest/`, `images/`, `snapshots/`.
 */
export class ImageStore implements ImageService, RegistryService {
  private readonly resolved = new Map<string, Resolved>();
  private readonly lock = new KeyedMutex();
  readonly platform: Platform;

  private constructor(
    readonly root: string,
    readonly content: ContentStore,
    readonly metadata: ImageMetadataStore,
    readonly snapshotter: OverlaySnapshotter,
    private readonly logger: Logger,
    private readonly fsOps: FsOps | undefined,
    platform: Platform | undefined,
    private readonly registry: RegistryOptions,
    private readonly leases: LeaseManager | undefined,
  ) {
    this.platform = platform ?? defaultPlatform();
  }

  static async open(options: ImageStoreOptions): Promise<ImageStore> {
    const logger = options.logger ?? silentLogger;
    const root = options.root;
    await mkdir(root, { recursive: true, mode: 0o711 });
    const [content, metadata, snapshotter] = await Promise.all([
      ContentStore.open(root),
      ImageMetadataStore.open(join(root, 'images'), logger),
      OverlaySnapshotter.open(join(root, 'snapshots'), { logger, sync: options.syncLayers }),
    ]);
    return new ImageStore(
      root,
      content,
      metadata,
      snapshotter,
      logger,
      options.fsOps,
      options.platform,
      { logger, ...options.registry },
      options.leases,
    );
  }

  // ---- resolution ---------------------------------------------------------

  /** Picks this store's platform from an index (recursively) and reads manifest and config. */
  private async resolve(target: Descriptor, name: string): Promise<Resolved> {
    const cached = this.resolved.get(target.digest);
    if (cached) return cached;
    let desc = target;
    for (let depth = 0; ; depth++) {
      if (depth > 4) throw invalidArgument(`image ${familiarReference(name)}: indexes nested too deeply`);
      const doc = parseIndexOrManifest(await this.content.readBlob(desc.digest), desc);
      if (doc.kind === 'manifest') {
        if (!isImageManifest(doc.manifest)) {
          throw invalidArgument(`${familiarReference(name)} is not a container image (config type ${doc.manifest.config.mediaType})`);
        }
        const config = parseImageConfig(
          await this.content.readBlob(doc.manifest.config.digest),
          `image config ${doc.manifest.config.digest}`,
        );
        const r: Resolved = { manifestDesc: desc, manifest: doc.manifest, config };
        this.resolved.set(target.digest, r);
        return r;
      }
      let best: Descriptor | undefined;
      let bestScore = -1;
      for (const m of doc.index.manifests) {
        const score = platformScore(this.platform, m.platform);
        if (score > bestScore) [best, bestScore] = [m, score];
      }
      if (!best) {
        const have = doc.index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
        throw notFound(
          `image ${familiarReference(name)} has no manifest for ${formatPlatform(this.platform)} (it has: ${have || 'none'})`,
        );
      }
      desc = best;
    }
  }

  private async record(meta: ImageMeta): Promise<ImageRecord> {
    const r = await this.resolve(meta.target, meta.name);
    return {
      name: meta.name,
      target: meta.target,
      id: r.manifest.config.digest,
      config: r.config,
      createdAt: meta.createdAt,
      size: r.manifest.layers.reduce((n, l) => n + l.size, 0),
      labels: meta.labels,
    };
  }

  /** All records with their ids; records whose content is broken are logged and left out. */
  private async records(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const meta of this.metadata.list()) {
      try {
        out.push(await this.record(meta));
      } catch (err) {
        this.logger.warn({ name: meta.name, err }, 'image record cannot be resolved');
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Finds the images a reference means: one name, or every name of one id. */
  private async lookup(reference: string): Promise<{ byId: boolean; records: ImageRecord[] }> {
    const ref = reference.trim();
    const missing = () => notFound(`No such image: ${familiarReference(ref)}`);
    if (ref === '') throw invalidArgument('an image reference is required');
    const fullId = /^(?:sha256:)?([a-f0-9]{64})$/.exec(ref);
    if (!fullId) {
      let parsed;
      try {
        parsed = parseReference(ref);
      } catch (err) {
        if (!isIdLike(ref)) throw err;
      }
      if (parsed?.digest) {
        const [full, repo, digest] = [parsed.toString(), parsed.name, parsed.digest];
        const matches = (await this.records()).filter(
          (r) => r.name === full || (r.target.digest === digest && parseReference(r.name).name === repo),
        );
        if (matches.length) return { byId: false, records: matches.slice(0, 1) };
      } else if (parsed) {
        const meta = this.metadata.get(parsed.toString());
        if (meta) return { byId: false, records: [await this.record(meta)] };
      }
      if (!isIdLike(ref)) throw missing();
    }
    const prefix = `sha256:${ref.replace(/^sha256:/, '')}`;
    const all = (await this.records()).filter((r) => r.id.startsWith(prefix));
    const ids = new Set(all.map((r) => r.id));
    if (ids.size === 0) throw missing();
    if (ids.size > 1) throw invalidArgument(`image id prefix ${ref} is ambiguous: it matches ${[...ids].map(shortId).join(', ')}`);
    return { byId: true, records: all };
  }

  // ---- the ImageService face ---------------------------------------------

  async list(): Promise<ImageRecord[]> {
    return this.records();
  }

  /**
   * An image by name ("busybox", normalised), full id, or unique id prefix of
   * at least 4 hex digits ("sha256:" optional). NotFound: "No such image: busybox:latest".
   */
  async get(reference: string): Promise<ImageRecord> {
    return (await this.lookup(reference)).records[0]!;
  }

  /** Imports an OCI image layout directory and names its images. */
  async importOciLayout(dir: string, options: { name?: string } = {}): Promise<ImageRecord[]> {
    const images = await importLayout(dir, this.content, { name: options.name || undefined, platform: this.platform });
    // Resolve before naming anything: an image that cannot run here is not recorded.
    for (const img of images) await this.resolve(img.target, img.name);
    return this.lock.run('images', async () => {
      const out: ImageRecord[] = [];
      for (const img of images) {
        const previous = this.metadata.get(img.name);
        const meta = await this.metadata.put({ name: img.name, target: img.target, labels: previous?.labels ?? {} });
        out.push(await this.record(meta));
        this.logger.info({ name: img.name, target: img.target.digest, dir }, 'image imported');
      }
      return out;
    });
  }

  /** Gives the image `source` refers to the name `target` (":latest" when untagged). */
  async tag(source: string, target: string): Promise<ImageRecord> {
    const ref = parseReference(target);
    if (ref.digest) throw invalidArgument(`refusing to create a tag with a digest reference: ${target}`);
    const image = await this.get(source);
    return this.lock.run('images', async () => {
      const previous = this.metadata.get(ref.toString());
      const meta = await this.metadata.put({ name: ref.toString(), target: image.target, labels: previous?.labels ?? {} });
      return this.record(meta);
    });
  }

  /** Containers (active snapshot keys) using the image `id`. */
  private usersOf(id: string): string[] {
    return this.snapshotter
      .list()
      .filter((s) => s.kind === 'active' && s.labels[ROOTFS_LABEL_IMAGE_ID] === id)
      .map((s) => s.key);
  }

  /**
   * `docker rmi`: removing a name untags it, and deletes the image when it was
   * its last name; removing by id needs `force` when the image has several
   * names. An image a container uses is only removed with `force`. (Blobs and
   * unpacked layers stay until garbage collection.)
   */
  async remove(reference: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    return this.lock.run('images', async () => {
      const { byId, records } = await this.lookup(reference);
      const id = records[0]!.id;
      const sameId = (await this.records()).filter((r) => r.id === id);
      const names = byId ? sameId.map((r) => r.name) : [records[0]!.name];
      const remaining = sameId.filter((r) => !names.includes(r.name));
      if (byId && sameId.length > 1 && !options.force) {
        throw failedPrecondition(
          `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
        );
      }
      if (remaining.length === 0 && !options.force) {
        const users = this.usersOf(id);
        if (users.length) {
          throw failedPrecondition(
            byId
              ? `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by container ${users[0]}`
              : `conflict: unable to remove repository reference "${familiarReference(reference)}" (must force) - container ${users[0]} is using its referenced image ${shortId(id)}`,
          );
        }
      }
      for (const name of names) await this.metadata.delete(name);
      this.logger.info({ names, id, deleted: remaining.length === 0 }, 'image removed');
      return { untagged: names.map(familiarReference), deleted: remaining.length === 0 ? [id] : [] };
    });
  }

  // ---- registries ---------------------------------------------------------

  /**
   * `docker pull`: fetches the image from its registry (mirrors first), unpacks
   * its layers (extracted as their downloads complete, committed in order; see
   * UnpackPipeline) and names it. Everything committed meanwhile is held by a lease when a
   * LeaseManager is configured, so garbage collection cannot take it before
   * the name exists.
   */
  async pull(reference: string, options: PullOptions = {}): Promise<PullResult & { image: ImageRecord }> {
    const ref = parseReference(reference);
    const platform = options.platform ?? this.platform;
    const leases = options.leases ?? this.leases;
    const lease = await leases?.create({ reason: `pull ${ref.toString()}` });
    const progress = options.onProgress ?? (() => undefined);
    const unpack = new UnpackPipeline({
      content: this.content,
      snapshotter: this.snapshotter,
      logger: this.logger,
      fsOps: this.fsOps,
      lease,
      onProgress: progress,
      concurrency: options.unpackConcurrency,
    });
    try {
      const onLayerReady = (index: number, manifest: OciManifest, config: OciImageConfig) => unpack.layerReady(index, manifest, config);
      const fetched = await fetchImage(
        ref,
        { content: this.content, registry: this.registry, platform, lease, logger: this.logger, onLayerReady },
        options,
      );
      await unpack.finish();
      // An image pulled for another platform than the store's is named by its manifest, so it resolves here.
      const target = platformScore(this.platform, fetched.config) >= 0 ? fetched.target : fetched.manifestDescriptor;
      const name = ref.toString();
      return await this.lock.run('images', async () => {
        const previous = this.metadata.get(name);
        const updated = previous?.target.digest !== target.digest;
        const meta = updated ? await this.metadata.put({ name, target, labels: previous?.labels ?? {} }) : previous!;
        this.logger.info({ name, target: target.digest, updated }, 'image pulled');
        return { name, digest: fetched.target.digest, updated, image: await this.record(meta) };
      });
    } finally {
      // Let an unpack in flight end, and remove what a failure left staged, before the lease goes.
      await unpack.cleanup();
      await lease?.release();
    }
  }

  /** `docker login`: checks credentials against a registry ("" means docker.io); saving them is the caller's job. */
  async login(server: string, credentials: RegistryCredentials): Promise<void> {
    const host = server ? parseReference(`${server.replace(/^https?:\/\//, '').replace(/\/.*$/, '')}/x`).domain : DEFAULT_DOMAIN;
    await checkLogin(host, credentials, this.registry);
  }

  /** `docker push`: uploads the image named `reference` (tag it first) to its registry. */
  async push(reference: string, options: PushOptions = {}): Promise<PushResult> {
    const ref = parseReference(reference);
    const meta = this.metadata.get(ref.toString());
    if (!meta) throw notFound(`An image does not exist locally with the tag: ${ref.familiarName}${ref.tag && ref.tag !== 'latest' ? `:${ref.tag}` : ''}`);
    // Blobs other local images of the same registry came with can be mounted rather than uploaded.
    const sources = new Map<string, string[]>();
    for (const other of this.metadata.list()) {
      const o = parseReference(other.name);
      if (o.domain !== ref.domain || o.path === ref.path) continue;
      try {
        const { manifest } = await this.resolve(other.target, other.name);
        for (const b of [manifest.config, ...manifest.layers]) sources.set(b.digest, [...(sources.get(b.digest) ?? []), o.path]);
      } catch {
        // An image that cannot be resolved offers nothing to mount.
      }
    }
    const result = await pushImage(
      ref,
      meta.target,
      { content: this.content, registry: this.registry, mountSources: (d) => [...new Set(sources.get(d) ?? [])] },
      options,
    );
    this.logger.info({ name: result.name, digest: result.digest }, 'image pushed');
    return result;
  }

  // ---- root filesystems ---------------------------------------------------

  /**
   * Prepares a container's root filesystem: unpacks the image's missing layers
   * into shared snapshots and creates the writable snapshot `key` on top.
   * Returns the mounts (ce.types.v1.Mount shape) that assemble it.
   */
  async prepareRootfs(key: string, reference: string): Promise<Mount[]> {
    if (!key) throw invalidArgument('a rootfs key is required');
    if (this.snapshotter.has(key)) throw new CeError('AlreadyExists', `rootfs ${key} already exists`);
    const image = await this.get(reference);
    const { manifest, config } = await this.resolve(image.target, image.name);
    if (config.os !== this.platform.os || config.architecture !== this.platform.architecture) {
      this.logger.warn(
        { image: image.name, image_platform: formatPlatform(config), host: formatPlatform(this.platform) },
        "the image's platform does not match this machine's",
      );
    }
    const top = await unpackImage({ content: this.content, snapshotter: this.snapshotter, manifest, config, logger: this.logger, fsOps: this.fsOps });
    return this.snapshotter.prepare(key, top, { [ROOTFS_LABEL_IMAGE_ID]: image.id, [ROOTFS_LABEL_IMAGE_NAME]: image.name });
  }

  /** The keys of every container rootfs (active snapshot), e.g. to find ones nobody owns. */
  rootfsKeys(): string[] {
    return this.snapshotter
      .list()
      .filter((s) => s.kind === 'active')
      .map((s) => s.key);
  }

  /** The mounts of an existing rootfs (e.g. after a daemon restart). */
  rootfsMounts(key: string): Mount[] {
    this.activeRootfs(key);
    return this.snapshotter.mounts(key);
  }

  private activeRootfs(key: string): void {
    const info = this.snapshotter.has(key) ? this.snapshotter.stat(key) : undefined;
    if (!info || info.kind !== 'active') throw notFound(`No such rootfs: ${key}`);
  }

  /** Deletes a container's writable layer. It must not be mounted any more (in this mount namespace). */
  async removeRootfs(key: string): Promise<void> {
    this.activeRootfs(key);
    const upper = this.snapshotter.fsPath(key);
    const mountedAt = await overlayMountsWithUpper(upper);
    if (mountedAt.length) {
      throw failedPrecondition(`rootfs ${key} is still mounted at ${mountedAt.join(', ')}; unmount it first`);
    }
    await this.snapshotter.remove(key);
  }

  /** Mounts the rootfs `key` at `targetDir` (for library users; the shim mounts in the daemon's case). */
  async mount(key: string, targetDir: string): Promise<void> {
    const mounts = this.rootfsMounts(key);
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

  /** The image's manifest and config for this store's platform. */
  async inspect(reference: string): Promise<ImageRecord & { manifest: OciManifest; manifestDescriptor: Descriptor }> {
    const image = await this.get(reference);
    const r = await this.resolve(image.target, image.name);
    return { ...image, manifest: r.manifest, manifestDescriptor: r.manifestDesc };
  }
}

/** Mount points of overlay mounts whose upper directory is `upper`, from /proc/self/mountinfo. */
async function overlayMountsWithUpper(upper: string): Promise<string[]> {
  let info: string;
  try {
    info = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOptions = ''] = post.split(' ');
    if (fstype !== 'overlay') continue;
    if (superOptions.split(',').some((o) => unescape(o) === `upperdir=${upper}`)) out.push(unescape(pre.split(' ')[4] ?? ''));
  }
  return out;
}
