import { mkdir, mkdtemp, readFile, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MNT_DETACH, mountAll, umount2 } from '@ce/native';
import { CeError, failedPrecondition, invalidArgument, notFound } from '@ce/protocol';
import { planArchive } from './archive/load.js';
import { writeImageArchive, type SaveImage } from './archive/save.js';
import { stageArchive } from './archive/stage.js';
import { FileContentStore } from './content/file-content-store.js';
import { checkStore, type CheckOptions, type Finding } from './gc/check.js';
import { collectGarbage, type GcResult } from './gc/collect.js';
import { classifyIngests, isActiveIngest, partialDownloadDigest, sweepStaleIngests } from './gc/ingests.js';
import { FileLeaseManager } from './leases/manager.js';
import { shortId, type Digest } from './digest.js';
import { FileImageMetadataStore } from './images/file-metadata-store.js';
import type { ImageMeta } from './images/image-metadata-store.js';
import { applyConfigChanges, parseConfigChanges } from './images/config-changes.js';
import { imageHistory, type HistoryRow } from './images/history.js';
import { composeLayerImage, newImageName } from './images/layer-image.js';
import { checkedTar, decompressedLayer } from './images/layer-source.js';
import { importOciLayout as importLayout } from './layout/import.js';
import { layoutNameAnnotations, writeOciLayout } from './layout/write.js';
import { MediaType } from './oci/media-types.js';
import { defaultPlatform, formatPlatform, platformScore } from './oci/platform.js';
import type { Descriptor, OciContainerConfig, OciHistory, OciImageConfig, OciManifest, Platform } from './oci/types.js';
import { isImageManifest, parseImageConfig, parseIndexOrManifest } from './oci/validate.js';
import { DEFAULT_DOMAIN, familiarReference, isIdLike, parseReference } from './reference/reference.js';
import { writeDiff } from './snapshots/diff.js';
import { overlayMountsWithUpper } from './snapshots/mount-info.js';
import { OverlaySnapshotter, type Mount } from './snapshots/overlay.js';
import type { DiskUsage, ImageDetails, ImageRecord, ImageService, ImportImageOptions, PartialDownload, PruneOptions, PruneResult, RemoveImageResult } from './types.js';
import type { FsOps } from './unpack/fs-ops.js';
import { chainIds as chainIdsOf, unpackImage } from './unpack/unpacker.js';
import { silentLogger, type Logger } from './util/logger.js';
import { diskUsage } from './util/disk-usage.js';
import { removeAll } from './util/fs.js';
import { ensurePrivateDir } from './util/private-dir.js';
import { noSpaceLeft } from './util/no-space.js';
import { KeyedMutex } from './util/mutex.js';
import { combinedLease } from './leases/combined.js';
import type { Lease } from './leases/types.js';
import { fetchImage } from './registry/pull.js';
import { pushImage } from './registry/push.js';
import { checkLogin } from './registry/login.js';
import { searchRegistry, type SearchResult } from './registry/search.js';
import type { PullOptions, PullResult, PushOptions, PushResult, RegistryCredentials, RegistryOptions, RegistryService } from './registry/types.js';
import { UnpackPipeline } from './registry/unpack-pipeline.js';
import { pruneFilter } from './prune-filter.js';

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
  /** Let image layers create device nodes other than 0/0 whiteouts (default false: such layers are refused). */
  allowDevices?: boolean;
}

/** The store's folders under its root, each owner-only. */
const STORE_FOLDERS = ['blobs', 'ingest', 'images', 'snapshots', 'leases'];

/** What createLayerImage makes an image of (commit, import). */
export interface CreateLayerImageOptions {
  /** The layer's tar bytes. */
  layer: AsyncIterable<Uint8Array>;
  /** An untrusted import: gzip is inflated and the bytes must be a tar. */
  untrusted?: boolean;
  /** The image the layer goes on (a reference or id); none for an import. */
  parent?: string;
  config: OciContainerConfig;
  history: Pick<OciHistory, 'created_by' | 'author' | 'comment'>;
  name: string;
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
  /** Unpacked sizes of committed layers by chain id (they never change). */
  private readonly unpackedSizes = new Map<string, number>();
  private isRunning: (rootfsKey: string) => boolean = () => false;
  private readonly lock = new KeyedMutex();
  readonly platform: Platform;

  private constructor(
    readonly root: string,
    readonly content: FileContentStore,
    readonly metadata: FileImageMetadataStore,
    readonly snapshotter: OverlaySnapshotter,
    /** Leases: what a pull or load in flight holds is never collected. */
    readonly leases: FileLeaseManager,
    private readonly logger: Logger,
    private readonly fsOps: FsOps | undefined,
    platform: Platform | undefined,
    private readonly registry: RegistryOptions,
    private readonly allowDevices = false,
  ) {
    this.platform = platform ?? defaultPlatform();
  }

  static async open(options: ImageStoreOptions): Promise<ImageStore> {
    const logger = options.logger ?? silentLogger;
    const root = options.root;
    // Private, each of its folders too: other users must not reach layers (setuid binaries) or containers' files.
    for (const dir of ['', ...STORE_FOLDERS]) {
      const { repaired } = await ensurePrivateDir(join(root, dir));
      if (repaired) logger.warn({ path: repaired.path, mode: repaired.from.toString(8), now: repaired.to.toString(8) }, 'store folder was open to other users; made it private');
    }
    const [content, metadata, snapshotter, leases] = await Promise.all([
      FileContentStore.open(root),
      FileImageMetadataStore.open(join(root, 'images'), logger),
      OverlaySnapshotter.open(join(root, 'snapshots'), { logger, sync: options.syncLayers }),
      FileLeaseManager.open(join(root, 'leases')),
    ]);
    // Like the ingests the content store clears, a lease whose owner died (a kill -9 during a pull or load) is debris.
    const dead = await leases.removeDead();
    if (dead.length) logger.info({ leases: dead }, 'removed leases of owners that are gone');
    // And so are the ingests no live lease or writer holds (a crashed load's staging directory, a committed or abandoned download).
    const stale = await sweepStaleIngests(join(root, 'ingest'), content, (await leases.protectedResources()).ingest);
    if (stale.length) logger.info({ ingests: stale.map((i) => i.name) }, 'removed stale ingests');
    return new ImageStore(
      root,
      content,
      metadata,
      snapshotter,
      leases,
      logger,
      options.fsOps,
      options.platform,
      { logger, ...options.registry },
      options.allowDevices,
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
      ...(r.config.created && !Number.isNaN(Date.parse(r.config.created)) ? { created: new Date(r.config.created) } : {}),
      configLabels: r.config.config?.Labels ?? {},
    };
  }

  /** All records with their ids; records whose content is broken are logged and left out. */
  private async records(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const meta of await this.metadata.list()) {
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
        const meta = await this.metadata.get(parsed.toString());
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
    const records = await this.records();
    for (const record of records) {
      const { manifest, config } = await this.resolve(record.target, record.name);
      let size = 0;
      for (const [i, chain] of chainIdsOf(config.rootfs.diff_ids).entries()) size += await this.layerSize(chain, manifest.layers[i]?.size ?? 0);
      record.size = size;
    }
    return records;
  }

  /** A layer's unpacked size (measured once: a committed snapshot does not change), or `compressed` while it is not unpacked. */
  private async layerSize(chain: string, compressed: number): Promise<number> {
    if (!this.snapshotter.has(chain)) return compressed;
    let size = this.unpackedSizes.get(chain);
    if (size === undefined) this.unpackedSizes.set(chain, (size = await diskUsage(this.snapshotter.fsPath(chain))));
    return size;
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
    // Under the image lock: a collection must not delete the blobs between their ingest and the records.
    return this.lock.run('images', async () => {
      const images = await importLayout(dir, this.content, { name: options.name || undefined, platform: this.platform });
      // Resolve before naming anything: an image that cannot run here is not recorded.
      for (const img of images) await this.resolve(img.target, img.name);
      const out: ImageRecord[] = [];
      for (const img of images) {
        const previous = await this.metadata.get(img.name);
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
      const previous = await this.metadata.get(ref.toString());
      const meta = await this.metadata.put({ name: ref.toString(), target: image.target, labels: previous?.labels ?? {} });
      return this.record(meta);
    });
  }

  /**
   * Tells the store which containers run (ced knows; a library user need not):
   * an image a running container uses cannot be deleted by id even with force,
   * as Docker refuses it.
   */
  useContainerState(isRunning: (rootfsKey: string) => boolean): void {
    this.isRunning = isRunning;
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
   * names. An image a container uses is only removed with `force`. A deleted
   * image's blobs and layers that nothing else uses are collected at once.
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
      const users = remaining.length === 0 ? this.usersOf(id) : [];
      const running = users.filter((key) => this.isRunning(key));
      if (running.length && byId) {
        throw failedPrecondition(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running[0]!)}`);
      }
      if (users.length && !options.force) {
        throw failedPrecondition(
          byId
            ? `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!)}`
            : `conflict: unable to remove repository reference "${familiarReference(reference)}" (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(id)}`,
        );
      }
      // Forced, by name, with a running user: Docker untags and keeps the image.
      const deleted = remaining.length === 0 && running.length === 0;
      for (const name of names) await this.metadata.delete(name);
      this.logger.info({ names, id, deleted }, 'image removed');
      // As docker rmi frees the space: what only this image used goes now (containerd's synchronous delete).
      if (deleted) await this.collect();
      return { untagged: names.map(familiarReference), deleted: deleted ? [id] : [] };
    });
  }

  // ---- registries ---------------------------------------------------------

  /**
   * `docker pull`: fetches the image from its registry (mirrors first), unpacks
   * its layers (extracted as their downloads complete, committed in order; see
   * UnpackPipeline) and names it. Everything is leased (in the store's leases,
   * and `options.leases` too when given) before it is looked up or committed,
   * so garbage collection cannot take it before the name exists.
   */
  async pull(reference: string, options: PullOptions = {}): Promise<PullResult & { image: ImageRecord }> {
    const ref = parseReference(reference);
    const platform = options.platform ?? this.platform;
    const reason = `pull ${ref.toString()}`;
    // The store's own lease is what gc and check see; a caller's lease manager is held in addition, never instead.
    const own = await this.leases.create({ reason });
    let lease: Lease = own;
    if (options.leases) {
      try {
        lease = combinedLease([own, await options.leases.create({ reason })]);
      } catch (err) {
        await own.release();
        throw err;
      }
    }
    const progress = options.onProgress ?? (() => undefined);
    const unpack = new UnpackPipeline({
      content: this.content,
      snapshotter: this.snapshotter,
      logger: this.logger,
      fsOps: this.fsOps,
      lease,
      onProgress: progress,
      concurrency: options.unpackConcurrency,
      allowDevices: this.allowDevices,
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
        const previous = await this.metadata.get(name);
        const updated = previous?.target.digest !== target.digest;
        const meta = updated ? await this.metadata.put({ name, target, labels: previous?.labels ?? {} }) : previous!;
        this.logger.info({ name, target: target.digest, updated }, 'image pulled');
        return { name, digest: fetched.target.digest, updated, image: await this.record(meta) };
      });
    } catch (err) {
      throw noSpaceLeft(err, `pulling ${ref.familiar()} into`, this.root) ?? err;
    } finally {
      // Let an unpack in flight end, and remove what a failure left staged, before the lease goes.
      await unpack.cleanup();
      await lease.release();
    }
  }

  /** dockerd's reload of insecure-registries and registry-mirrors: pulls and pushes that start from now on use these. */
  setRegistryEndpoints(endpoints: Pick<RegistryOptions, 'insecureRegistries' | 'mirrors'>): void {
    this.registry.insecureRegistries = endpoints.insecureRegistries;
    this.registry.mirrors = endpoints.mirrors;
  }

  /** `docker login`: checks credentials against a registry ("" means docker.io); saving them is the caller's job. */
  async login(server: string, credentials: RegistryCredentials): Promise<void> {
    const host = server ? parseReference(`${server.replace(/^https?:\/\//, '').replace(/\/.*$/, '')}/x`).domain : DEFAULT_DOMAIN;
    await checkLogin(host, credentials, this.registry);
  }

  /** `docker search`, over the catalog of the registry the term names. */
  async search(term: string, limit: number): Promise<SearchResult[]> {
    return searchRegistry(term, limit, this.registry);
  }

  /** `docker push`: uploads the image named `reference` (tag it first) to its registry. */
  async push(reference: string, options: PushOptions = {}): Promise<PushResult> {
    const ref = parseReference(reference);
    const meta = await this.metadata.get(ref.toString());
    if (!meta) throw notFound(`An image does not exist locally with the tag: ${ref.familiarName}${ref.tag && ref.tag !== 'latest' ? `:${ref.tag}` : ''}`);
    // Blobs other local images of the same registry came with can be mounted rather than uploaded.
    const sources = new Map<string, string[]>();
    for (const other of await this.metadata.list()) {
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
  /** `labels` (e.g. the owner's namespace and name) are kept with the rootfs; see rootfsLabels. */
  async prepareRootfs(key: string, reference: string, labels: Record<string, string> = {}): Promise<Mount[]> {
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
    try {
      const top = await unpackImage({ content: this.content, snapshotter: this.snapshotter, manifest, config, logger: this.logger, fsOps: this.fsOps, allowDevices: this.allowDevices });
      return await this.snapshotter.prepare(key, top, { ...labels, [ROOTFS_LABEL_IMAGE_ID]: image.id, [ROOTFS_LABEL_IMAGE_NAME]: image.name });
    } catch (err) {
      throw noSpaceLeft(err, `preparing the root filesystem of ${key} in`, this.snapshotter.root) ?? err;
    }
  }

  /** The keys of every container rootfs (active snapshot), e.g. to find ones nobody owns. */
  rootfsKeys(): string[] {
    return this.snapshotter
      .list()
      .filter((s) => s.kind === 'active')
      .map((s) => s.key);
  }

  /** Bytes in the writable layer of the rootfs `key`; 0 when there is no such rootfs. */
  async rootfsSize(key: string): Promise<number> {
    const info = this.snapshotter.has(key) ? this.snapshotter.statSync(key) : undefined;
    return info?.kind === 'active' ? diskUsage(this.snapshotter.fsPath(key)) : 0;
  }

  /** The labels a rootfs was prepared with (and the image it came from). */
  rootfsLabels(key: string): Record<string, string> {
    this.activeRootfs(key);
    return this.snapshotter.statSync(key).labels;
  }

  /** The mounts of an existing rootfs (e.g. after a daemon restart). */
  rootfsMounts(key: string): Mount[] {
    this.activeRootfs(key);
    return this.snapshotter.mountsSync(key);
  }

  private activeRootfs(key: string): void {
    const info = this.snapshotter.has(key) ? this.snapshotter.statSync(key) : undefined;
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

  // ---- archives -------------------------------------------------------------

  /**
   * `docker load`: imports a `docker save` tar (Docker's legacy layout or the
   * OCI-in-docker-archive one; gzip-compressed too) or an OCI image layout
   * in a tar, read once as a stream. The archive is untrusted: every file is
   * checked against its digest and every layer against the config before
   * anything is committed, and no name is recorded unless all of it is valid.
   */
  async load(source: AsyncIterable<Uint8Array>, options: { name?: string } = {}): Promise<ImageRecord[]> {
    const lease = await this.leases.create({ reason: 'load an image archive', expiresInMs: 6 * 60 * 60 * 1000 });
    // Leased before it exists: an unleased staging directory is debris to check and gc.
    const stagingName = `load-${randomBytes(8).toString('hex')}`;
    const staging = join(this.root, 'ingest', stagingName);
    try {
      await lease.add({ kind: 'ingest', id: stagingName });
      await mkdir(staging, { mode: 0o700 });
      const archive = await stageArchive(source, staging).catch((err: unknown) => {
        throw noSpaceLeft(err, 'loading an image archive into', staging) ?? err;
      });
      const plan = await planArchive(archive, { name: options.name || undefined, platform: this.platform });
      for (const [digest, file] of plan.staged) {
        await lease.add({ kind: 'content', id: digest });
        if (!(await this.content.exists(digest))) await this.content.commitFile(file.path, file.digest, file.size);
      }
      const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
      for (const blob of plan.generated) await this.content.ingest(blob, {}, leaseBlob);
      // Resolve before naming anything: an image that cannot run here is not recorded.
      for (const img of plan.images) await this.resolve(img.target, img.name);
      return await this.lock.run('images', async () => {
        const out: ImageRecord[] = [];
        for (const img of plan.images) {
          const previous = await this.metadata.get(img.name);
          const meta = await this.metadata.put({ name: img.name, target: img.target, labels: previous?.labels ?? {} });
          out.push(await this.record(meta));
          this.logger.info({ name: img.name, target: img.target.digest }, 'image loaded');
        }
        return out;
      });
    } finally {
      await removeAll(staging);
      await lease.release();
    }
  }

  /**
   * `docker save`: writes the images `references` name as one tar that
   * `docker load` and OCI tools read. A name saves that name; an id saves the
   * image under every name it has.
   */
  async save(references: string[], out: Writable): Promise<void> {
    if (references.length === 0) throw invalidArgument('save needs at least one image');
    const byId = new Map<string, SaveImage>();
    for (const reference of references) {
      const { byId: isId, records } = await this.lookup(reference);
      const image = records[0]!;
      const r = await this.resolve(image.target, image.name);
      const names = isId ? (await this.records()).filter((x) => x.id === image.id).map((x) => x.name) : [image.name];
      const entry = byId.get(image.id) ?? { names: [], manifestDescriptor: r.manifestDesc, manifest: r.manifest };
      for (const n of names) if (!entry.names.includes(n)) entry.names.push(n);
      byId.set(image.id, entry);
    }
    await writeImageArchive([...byId.values()], this.content, out);
  }

  /**
   * Writes the images `references` name as an OCI image layout directory
   * (each name annotated as containerd and Docker do), e.g. for
   * `skopeo copy oci:` or `umoci unpack`.
   */
  async exportOciLayout(dir: string, references: string[]): Promise<void> {
    if (references.length === 0) throw invalidArgument('export needs at least one image');
    const manifests: Descriptor[] = [];
    for (const reference of references) {
      const image = await this.get(reference);
      const r = await this.resolve(image.target, image.name);
      const ref = parseReference(image.name);
      manifests.push({ ...r.manifestDesc, annotations: layoutNameAnnotations(ref.toString(), ref.tag ?? 'latest') });
    }
    await writeOciLayout(dir, { manifests, content: this.content });
  }

  /**
   * The changes of the container rootfs `key` as a layer (for commit and
   * build): a gzip-compressed tar with overlay whiteouts as `.wh.` entries,
   * committed to the content store. Returns its descriptor and diff id.
   */
  async diff(key: string): Promise<{ descriptor: Descriptor; diffId: Digest }> {
    this.activeRootfs(key);
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
    const lease = await this.leases.create({ reason: `diff of ${key}` });
    try {
      const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
      const [info] = await Promise.all([this.content.ingest(gzip, {}, leaseBlob), writeDiff(this.snapshotter.fsPath(key), counter).then(() => writing)]);
      return {
        descriptor: { mediaType: MediaType.OciLayerGzip, digest: info.digest, size: info.size },
        diffId: `sha256:${tarHash.digest('hex')}`,
      };
    } finally {
      await lease.release();
    }
  }

  // ---- garbage collection and upkeep ------------------------------------------

  /** Mark and sweep: deletes blobs and layers no image, container or live lease reaches. */
  async gc(): Promise<GcResult> {
    return this.lock.run('images', () => this.collect());
  }

  private async collect(options: { partialDownloads?: boolean } = {}): Promise<GcResult> {
    const result = await collectGarbage({
      partialDownloads: options.partialDownloads,
      content: this.content,
      metadata: this.metadata,
      snapshotter: this.snapshotter,
      leases: this.leases,
      ingestDir: join(this.root, 'ingest'),
      logger: this.logger,
    });
    for (const digest of result.content) this.resolved.delete(digest);
    return result;
  }

  /**
   * `docker image prune`: records always carry a name here, so an image that
   * lost its last name is already gone from the list and only its content
   * remains: prune collects it. With `all`, every image no container uses is
   * removed first (`docker image prune -a`, or `--filter dangling=false`);
   * until and label filters pick among them by the config's created and Labels.
   */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    const filter = pruneFilter(options.filters ?? [], ['dangling', 'until', 'label', 'label!']);
    return this.lock.run('images', async () => {
      const untagged: string[] = [];
      const deleted: string[] = [];
      if (options.all || filter.dangling === false) {
        const used = new Set(this.rootfsKeys().map((k) => this.snapshotter.statSync(k).labels[ROOTFS_LABEL_IMAGE_ID]));
        for (const image of await this.records()) {
          if (used.has(image.id)) continue;
          const { config } = await this.resolve(image.target, image.name);
          if (!filter.matches({ created: Date.parse(config.created ?? '') || 0, labels: config.config?.Labels })) continue;
          await this.metadata.delete(image.name);
          untagged.push(familiarReference(image.name));
          if (!deleted.includes(image.id)) deleted.push(image.id);
        }
      }
      // Partial downloads too (docker has no resumable ingests to leave behind): a pull still retrying leases its own.
      const partial = new Set((await this.partialDownloads()).filter((p) => !p.active).map((p) => p.digest));
      const gc = await this.collect({ partialDownloads: true });
      const partialDownloads = gc.ingests.map((name) => `sha256:${name.replace(/^sha256-/, '')}`).filter((d) => partial.has(d));
      return { untagged, deleted, reclaimedBytes: gc.reclaimedBytes, partialDownloads };
    });
  }

  /**
   * `docker system df`: per image, the unpacked size of its layers (or the
   * compressed size of those not unpacked yet), split into what it shares
   * with other images and what only it holds; per container, its writable layer.
   */
  async diskUsage(): Promise<DiskUsage> {
    const records = await this.records();
    const layerSize = new Map<string, number>();
    const imageLayers = new Map<string, string[]>();
    for (const image of records) {
      if (imageLayers.has(image.id)) continue;
      const { manifest, config } = await this.resolve(image.target, image.name);
      const chains = chainIdsOf(config.rootfs.diff_ids);
      imageLayers.set(image.id, chains);
      for (const [i, chain] of chains.entries()) {
        if (layerSize.has(chain)) continue;
        layerSize.set(chain, await this.layerSize(chain, manifest.layers[i]?.size ?? 0));
      }
    }
    const usersOfLayer = new Map<string, number>();
    for (const chains of imageLayers.values()) for (const c of new Set(chains)) usersOfLayer.set(c, (usersOfLayer.get(c) ?? 0) + 1);
    const containers: DiskUsage['containers'] = [];
    for (const key of this.rootfsKeys()) {
      const info = this.snapshotter.statSync(key);
      containers.push({ key, imageId: info.labels[ROOTFS_LABEL_IMAGE_ID] ?? '', size: await diskUsage(this.snapshotter.fsPath(key)) });
    }
    const images = [...imageLayers.entries()].map(([id, chains]) => {
      let size = 0;
      let shared = 0;
      for (const c of new Set(chains)) {
        const s = layerSize.get(c) ?? 0;
        size += s;
        if ((usersOfLayer.get(c) ?? 0) > 1) shared += s;
      }
      return {
        id,
        names: records.filter((r) => r.id === id).map((r) => r.name),
        size,
        sharedSize: shared,
        uniqueSize: size - shared,
        containers: containers.filter((c) => c.imageId === id).length,
      };
    });
    return { images, containers, layersSize: [...layerSize.values()].reduce((a, b) => a + b, 0), partialDownloads: await this.partialDownloads() };
  }

  /** Blob downloads in the ingest folder: those pulls in progress hold (active), and those failed pulls left. */
  async partialDownloads(): Promise<PartialDownload[]> {
    const leased = (await this.leases.protectedResources()).ingest;
    const out: PartialDownload[] = [];
    for (const entry of await classifyIngests(join(this.root, 'ingest'), this.content, leased)) {
      const digest = partialDownloadDigest(entry);
      if (digest) out.push({ digest, size: entry.size, active: isActiveIngest(entry) });
    }
    return out;
  }

  /** Consistency check (see gc/check.ts); with `repair`, fixes what can be fixed safely. */
  async check(options: CheckOptions = {}): Promise<Finding[]> {
    return this.lock.run('images', () =>
      checkStore(
        { content: this.content, metadata: this.metadata, snapshotter: this.snapshotter, leases: this.leases, ingestDir: join(this.root, 'ingest') },
        options,
      ),
    );
  }

  /** `docker image inspect`: the image, all its names, its config and manifest as stored. */
  async details(reference: string): Promise<ImageDetails> {
    const image = await this.get(reference);
    const r = await this.resolve(image.target, image.name);
    const names = (await this.records()).filter((x) => x.id === image.id).map((x) => x.name);
    return {
      image,
      repoTags: names.filter((n) => parseReference(n).tag !== undefined).map(familiarReference),
      repoDigests: names.filter((n) => parseReference(n).digest !== undefined).map(familiarReference),
      config: await this.content.readBlob(r.manifest.config.digest),
      manifest: await this.content.readBlob(r.manifestDesc.digest),
      manifestDescriptor: r.manifestDesc,
    };
  }

  /** The image's manifest and config for this store's platform. */
  async inspect(reference: string): Promise<ImageRecord & { manifest: OciManifest; manifestDescriptor: Descriptor }> {
    const image = await this.get(reference);
    const r = await this.resolve(image.target, image.name);
    return { ...image, manifest: r.manifest, manifestDescriptor: r.manifestDesc };
  }

  // ---- images from layers: commit, import, export, history -----------------

  /** Writes the changes in the writable layer of rootfs `key` as a layer tar (what `docker commit` stores). */
  async rootfsChanges(key: string, out: Writable): Promise<void> {
    this.activeRootfs(key);
    await writeDiff(this.snapshotter.fsPath(key), out);
  }

  /**
   * Writes the whole filesystem of rootfs `key` as a tar (`docker export`),
   * read through a read-only overlay of its layers: the container may run.
   */
  async exportRootfs(key: string, out: Writable): Promise<void> {
    this.activeRootfs(key);
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

  /**
   * Records an image made of `parent` (when given) plus one layer read from
   * `layer` (a tar; for an import also gzip, checked to be a tar), and names
   * it `name`. Nothing is named unless every blob is stored.
   */
  async createLayerImage(options: CreateLayerImageOptions): Promise<ImageRecord> {
    const name = newImageName(options.name);
    const parent = options.parent === undefined ? undefined : await this.inspect(options.parent);
    const lease = await this.leases.create({ reason: 'create an image from a layer', expiresInMs: 6 * 60 * 60 * 1000 });
    try {
      const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
      const bytes = options.untrusted ? checkedTar(decompressedLayer(options.layer)) : options.layer;
      const layer = await this.content.ingest(bytes, {}, leaseBlob).catch((err: unknown) => {
        throw noSpaceLeft(err, 'storing a layer in', this.root) ?? err;
      });
      const composed = composeLayerImage({
        parent,
        layer,
        config: options.config,
        history: options.history,
        created: new Date(),
        architecture: this.platform.architecture,
        os: this.platform.os,
      });
      const configBlob = Buffer.from(JSON.stringify(composed.config));
      const configInfo = await this.content.ingest(configBlob, {}, leaseBlob);
      const manifest = { ...composed.manifest, config: { ...composed.manifest.config, digest: configInfo.digest, size: configInfo.size } };
      const manifestBlob = Buffer.from(JSON.stringify(manifest));
      const manifestInfo = await this.content.ingest(manifestBlob, {}, leaseBlob);
      const target: Descriptor = { mediaType: manifest.mediaType ?? MediaType.OciManifest, digest: manifestInfo.digest, size: manifestInfo.size };
      return await this.lock.run('images', async () => {
        const previous = await this.metadata.get(name);
        const meta = await this.metadata.put({ name, target, labels: previous?.labels ?? {} });
        this.logger.info({ name, id: configInfo.digest, parent: parent?.id }, 'image created from a layer');
        return this.record(meta);
      });
    } finally {
      await lease.release();
    }
  }

  /** `docker import`: a one-layer image, its config only what `changes` sets. */
  async importImage(source: AsyncIterable<Uint8Array>, options: ImportImageOptions): Promise<ImageRecord> {
    const config = applyConfigChanges({}, parseConfigChanges(options.changes ?? []));
    return this.createLayerImage({ layer: source, untrusted: true, config, history: { comment: options.comment || 'Imported from -' }, name: options.name });
  }

  /** `docker history`: the image's history entries, newest first. */
  async history(reference: string): Promise<HistoryRow[]> {
    const image = await this.inspect(reference);
    const all = await this.records();
    const tagsOf = (id: string) => all.filter((r) => r.id === id && parseReference(r.name).tag !== undefined).map((r) => familiarReference(r.name));
    const chains = chainIdsOf(image.config.rootfs.diff_ids);
    const sizes: number[] = [];
    for (const [i, chainId] of chains.entries()) {
      // The unpacked layer's size, as Docker shows; the stored blob's size when it is not unpacked.
      sizes.push(this.snapshotter.has(chainId) ? await diskUsage(this.snapshotter.fsPath(chainId)) : (image.manifest.layers[i]?.size ?? 0));
    }
    const others = [...new Map(all.map((r) => [r.id, { id: r.id, config: r.config, tags: tagsOf(r.id) }])).values()];
    return imageHistory({ id: image.id, config: image.config, tags: tagsOf(image.id) }, (i) => sizes[i] ?? 0, others);
  }
}

/** A read-only view of an active rootfs mount: its upper directory becomes the top lower one. */
function readOnlyView(mount: Mount): Mount {
  if (mount.type !== 'overlay') return { ...mount, options: mount.options.map((o) => (o === 'rw' ? 'ro' : o)) };
  const option = (key: string) => mount.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
  return { ...mount, options: [`lowerdir=${option('upperdir')}:${option('lowerdir')}`] };
}
