import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { invalidArgument } from '@ce/protocol';
import { loadImages } from './archive/load-images.js';
import { exportImagesLayout, saveImages } from './archive/save-images.js';
import { FileContentStore } from './content/file-content-store.js';
import { checkStore, type CheckOptions, type Finding } from './gc/check.js';
import { collectGarbage, type GcResult } from './gc/collect.js';
import { classifyIngests, isActiveIngest, partialDownloadDigest, sweepStaleIngests } from './gc/ingests.js';
import { pruneImages } from './gc/prune-images.js';
import { FileLeaseManager } from './leases/manager.js';
import type { Digest } from './digest.js';
import { applyConfigChanges, parseConfigChanges } from './images/config-changes.js';
import { createLayerImage, type CreateLayerImageOptions } from './images/create-layer-image.js';
import { FileImageMetadataStore } from './images/file-metadata-store.js';
import { imageHistory, type HistoryRow } from './images/history.js';
import { ImageResolver } from './images/image-resolver.js';
import { LayerSizes } from './images/layer-sizes.js';
import { removeImage } from './images/remove-image.js';
import { importOciLayout as importLayout } from './layout/import.js';
import { defaultPlatform } from './oci/platform.js';
import type { Descriptor, OciManifest, Platform } from './oci/types.js';
import { DEFAULT_DOMAIN, familiarReference, parseReference } from './reference/reference.js';
import { checkLogin } from './registry/login.js';
import { pullImage } from './registry/pull-image.js';
import { pushNamedImage } from './registry/push-named-image.js';
import { searchRegistry, type SearchResult } from './registry/search.js';
import { listTags } from './registry/tags.js';
import type { PullOptions, PullResult, PushOptions, PushResult, RegistryCredentials, RegistryOptions, RegistryService } from './registry/types.js';
import { ContainerRootfs } from './rootfs/container-rootfs.js';
import { OverlaySnapshotter, type Mount } from './snapshots/overlay.js';
import type { DiskUsage, ImageDetails, ImageRecord, ImageService, ImportImageOptions, PartialDownload, PruneOptions, PruneResult, RemoveImageResult } from './types.js';
import type { FsOps } from './unpack/fs-ops.js';
import { chainIds as chainIdsOf } from './unpack/unpacker.js';
import { diskUsageReport } from './usage/disk-usage-report.js';
import { silentLogger, type Logger } from './util/logger.js';
import { ensurePrivateDir } from './util/private-dir.js';
import { KeyedMutex } from './util/mutex.js';

export type { CreateLayerImageOptions } from './images/create-layer-image.js';
export { ROOTFS_LABEL_IMAGE_ID, ROOTFS_LABEL_IMAGE_NAME } from './images/remove-image.js';

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

/**
 * The image store: Docker's image operations composed over a content store
 * (blobs by digest), image records (name → manifest) and an overlay
 * snapshotter (unpacked layers by chain id, containers' writable layers), as
 * containerd splits them. Each operation lives in its own module and takes
 * only the parts it needs; this class opens the parts, holds the image lock
 * and delegates.
 *
 * Layout under `root`: `blobs/sha256/`, `ingest/`, `images/`, `snapshots/`, `leases/`.
 */
export class ImageStore implements ImageService, RegistryService {
  private isRunning: (rootfsKey: string) => boolean = () => false;
  private readonly lock = new KeyedMutex();
  private readonly resolver: ImageResolver;
  private readonly layerSizes: LayerSizes;
  private readonly rootfs: ContainerRootfs;
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
    this.resolver = new ImageResolver(content, metadata, this.platform, logger);
    this.layerSizes = new LayerSizes(snapshotter);
    this.rootfs = new ContainerRootfs({ content, snapshotter, resolver: this.resolver, leases, logger, fsOps, allowDevices });
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

  /** Runs `fn` under the image lock: records do not change, and nothing is collected, meanwhile. */
  private readonly locked = <T>(fn: () => Promise<T>): Promise<T> => this.lock.run('images', fn);

  // ---- the ImageService face ---------------------------------------------

  async list(): Promise<ImageRecord[]> {
    const records = await this.resolver.records();
    for (const record of records) {
      const { manifest, config } = await this.resolver.resolve(record.target, record.name);
      let size = 0;
      for (const [i, chain] of chainIdsOf(config.rootfs.diff_ids).entries()) size += await this.layerSizes.size(chain, manifest.layers[i]?.size ?? 0);
      record.size = size;
    }
    return records;
  }

  /**
   * An image by name ("busybox", normalised), full id, or unique id prefix of
   * at least 4 hex digits ("sha256:" optional). NotFound: "No such image: busybox:latest".
   */
  async get(reference: string): Promise<ImageRecord> {
    return this.resolver.get(reference);
  }

  /** Imports an OCI image layout directory and names its images. */
  async importOciLayout(dir: string, options: { name?: string } = {}): Promise<ImageRecord[]> {
    // Under the image lock: a collection must not delete the blobs between their ingest and the records.
    return this.locked(async () => {
      const images = await importLayout(dir, this.content, { name: options.name || undefined, platform: this.platform });
      // Resolve before naming anything: an image that cannot run here is not recorded.
      for (const img of images) await this.resolver.resolve(img.target, img.name);
      const out: ImageRecord[] = [];
      for (const img of images) {
        out.push(await this.resolver.name(img));
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
    return this.locked(() => this.resolver.name({ name: ref.toString(), target: image.target }));
  }

  /**
   * Tells the store which containers run (ced knows; a library user need not):
   * an image a running container uses cannot be deleted by id even with force,
   * as Docker refuses it.
   */
  useContainerState(isRunning: (rootfsKey: string) => boolean): void {
    this.isRunning = isRunning;
  }

  /** `docker rmi` (images/remove-image.ts). */
  async remove(reference: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    return this.locked(() =>
      removeImage(
        { resolver: this.resolver, metadata: this.metadata, snapshots: this.snapshotter, logger: this.logger, isRunning: (key) => this.isRunning(key), collect: () => this.collect() },
        reference,
        options,
      ),
    );
  }

  // ---- registries ---------------------------------------------------------

  /** `docker pull` (registry/pull-image.ts). */
  async pull(reference: string, options: PullOptions = {}): Promise<PullResult & { image: ImageRecord }> {
    return pullImage(
      {
        root: this.root,
        content: this.content,
        snapshotter: this.snapshotter,
        metadata: this.metadata,
        resolver: this.resolver,
        leases: this.leases,
        registry: this.registry,
        logger: this.logger,
        fsOps: this.fsOps,
        allowDevices: this.allowDevices,
        locked: this.locked,
      },
      reference,
      options,
    );
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

  /** The tags of `repository` in its registry (registry/tags.ts), for `docker pull --all-tags`. */
  async listTags(repository: string, options: { credentials?: RegistryCredentials; signal?: AbortSignal } = {}): Promise<string[]> {
    const ref = parseReference(repository, { defaultTag: false });
    if (ref.tag !== undefined || ref.digest) throw invalidArgument(`tags are listed for a repository, not for ${ref.familiar()}`);
    return listTags(ref, this.registry, options);
  }

  /** `docker push`: uploads the image named `reference` (tag it first) to its registry (registry/push-named-image.ts). */
  async push(reference: string, options: PushOptions = {}): Promise<PushResult> {
    return pushNamedImage(
      { content: this.content, metadata: this.metadata, resolver: this.resolver, registry: this.registry, logger: this.logger, locked: this.locked },
      reference,
      options,
    );
  }

  // ---- root filesystems (rootfs/container-rootfs.ts) -----------------------

  /**
   * Prepares a container's root filesystem: unpacks the image's missing layers
   * into shared snapshots and creates the writable snapshot `key` on top.
   * Returns the mounts (ce.types.v1.Mount shape) that assemble it.
   * `labels` (e.g. the owner's namespace and name) are kept with the rootfs; see rootfsLabels.
   */
  async prepareRootfs(key: string, reference: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.rootfs.prepare(key, reference, labels);
  }

  /** The keys of every container rootfs (active snapshot), e.g. to find ones nobody owns. */
  rootfsKeys(): string[] {
    return this.rootfs.keys();
  }

  /** Bytes in the writable layer of the rootfs `key`; 0 when there is no such rootfs. */
  async rootfsSize(key: string): Promise<number> {
    return this.rootfs.size(key);
  }

  /** The labels a rootfs was prepared with (and the image it came from). */
  rootfsLabels(key: string): Record<string, string> {
    return this.rootfs.labels(key);
  }

  /** The mounts of an existing rootfs (e.g. after a daemon restart). */
  rootfsMounts(key: string): Mount[] {
    return this.rootfs.mounts(key);
  }

  /** Deletes a container's writable layer. It must not be mounted any more (in this mount namespace). */
  async removeRootfs(key: string): Promise<void> {
    return this.rootfs.remove(key);
  }

  /** Mounts the rootfs `key` at `targetDir` (for library users; the shim mounts in the daemon's case). */
  async mount(key: string, targetDir: string): Promise<void> {
    return this.rootfs.mount(key, targetDir);
  }

  /** Unmounts a rootfs mounted with mount(); lazily if it is busy. */
  async unmount(targetDir: string): Promise<void> {
    return this.rootfs.unmount(targetDir);
  }

  /** The changes of the container rootfs `key` as a gzip layer in the content store (for commit and build). */
  async diff(key: string): Promise<{ descriptor: Descriptor; diffId: Digest }> {
    return this.rootfs.diff(key);
  }

  /** Writes the changes in the writable layer of rootfs `key` as a layer tar (what `docker commit` stores). */
  async rootfsChanges(key: string, out: Writable): Promise<void> {
    return this.rootfs.changes(key, out);
  }

  /** Writes the whole filesystem of rootfs `key` as a tar (`docker export`); the container may run. */
  async exportRootfs(key: string, out: Writable): Promise<void> {
    return this.rootfs.export(key, out);
  }

  // ---- archives (archive/) -------------------------------------------------

  /** `docker load`: a `docker save` tar or an OCI layout tar, checked whole before anything is named. */
  async load(source: AsyncIterable<Uint8Array>, options: { name?: string } = {}): Promise<ImageRecord[]> {
    return loadImages({ content: this.content, resolver: this.resolver, leases: this.leases, logger: this.logger, locked: this.locked }, source, options);
  }

  /** `docker save`: one tar that `docker load` and OCI tools read; an id saves every name it has. */
  async save(references: string[], out: Writable): Promise<void> {
    return saveImages({ content: this.content, resolver: this.resolver }, references, out);
  }

  /** Writes the images `references` name as an OCI image layout directory. */
  async exportOciLayout(dir: string, references: string[]): Promise<void> {
    return exportImagesLayout({ content: this.content, resolver: this.resolver }, dir, references);
  }

  // ---- garbage collection and upkeep ------------------------------------------

  /** Mark and sweep: deletes blobs and layers no image, container or live lease reaches. */
  async gc(): Promise<GcResult> {
    return this.locked(() => this.collect());
  }

  private async collect(options: { partialDownloads?: boolean } = {}): Promise<GcResult> {
    const result = await collectGarbage({
      partialDownloads: options.partialDownloads,
      content: this.content,
      metadata: this.metadata,
      snapshotter: this.snapshotter,
      leases: this.leases,
      ingestDir: this.content.ingestDir,
      logger: this.logger,
    });
    this.resolver.forget(result.content);
    return result;
  }

  /** `docker image prune` (gc/prune-images.ts). */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    return this.locked(() =>
      pruneImages(
        { resolver: this.resolver, metadata: this.metadata, snapshots: this.snapshotter, partialDownloads: () => this.partialDownloads(), collect: (o) => this.collect(o) },
        options,
      ),
    );
  }

  /** `docker system df` (usage/disk-usage-report.ts). */
  async diskUsage(): Promise<DiskUsage> {
    return diskUsageReport({ resolver: this.resolver, snapshots: this.snapshotter, layerSizes: this.layerSizes, partialDownloads: () => this.partialDownloads() });
  }

  /** Blob downloads in the ingest folder: those pulls in progress hold (active), and those failed pulls left. */
  async partialDownloads(): Promise<PartialDownload[]> {
    const leased = (await this.leases.protectedResources()).ingest;
    const out: PartialDownload[] = [];
    for (const entry of await classifyIngests(this.content.ingestDir, this.content, leased)) {
      const digest = partialDownloadDigest(entry);
      if (digest) out.push({ digest, size: entry.size, active: isActiveIngest(entry) });
    }
    return out;
  }

  /** Consistency check (see gc/check.ts); with `repair`, fixes what can be fixed safely. */
  async check(options: CheckOptions = {}): Promise<Finding[]> {
    return this.locked(() =>
      checkStore(
        { content: this.content, metadata: this.metadata, snapshotter: this.snapshotter, leases: this.leases, ingestDir: this.content.ingestDir },
        options,
      ),
    );
  }

  /** `docker image inspect`: the image, all its names, its config and manifest as stored. */
  async details(reference: string): Promise<ImageDetails> {
    const image = await this.get(reference);
    const r = await this.resolver.resolve(image.target, image.name);
    const names = (await this.resolver.records()).filter((x) => x.id === image.id).map((x) => x.name);
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
    const r = await this.resolver.resolve(image.target, image.name);
    return { ...image, manifest: r.manifest, manifestDescriptor: r.manifestDesc };
  }

  // ---- images from layers: commit, import, history -------------------------

  /** Records an image made of `parent` (when given) plus one layer, named `name` (images/create-layer-image.ts). */
  async createLayerImage(options: CreateLayerImageOptions): Promise<ImageRecord> {
    return createLayerImage({ content: this.content, resolver: this.resolver, leases: this.leases, logger: this.logger, root: this.root, locked: this.locked }, options);
  }

  /** `docker import`: a one-layer image, its config only what `changes` sets. */
  async importImage(source: AsyncIterable<Uint8Array>, options: ImportImageOptions): Promise<ImageRecord> {
    const config = applyConfigChanges({}, parseConfigChanges(options.changes ?? []));
    return this.createLayerImage({ layer: source, untrusted: true, config, history: { comment: options.comment || 'Imported from -' }, name: options.name });
  }

  /** `docker history`: the image's history entries, newest first. */
  async history(reference: string): Promise<HistoryRow[]> {
    const image = await this.inspect(reference);
    const all = await this.resolver.records();
    const tagsOf = (id: string) => all.filter((r) => r.id === id && parseReference(r.name).tag !== undefined).map((r) => familiarReference(r.name));
    const chains = chainIdsOf(image.config.rootfs.diff_ids);
    const sizes: number[] = [];
    // The unpacked layer's size, as Docker shows; the stored blob's size when it is not unpacked.
    for (const [i, chainId] of chains.entries()) sizes.push(await this.layerSizes.size(chainId, image.manifest.layers[i]?.size ?? 0));
    const others = [...new Map(all.map((r) => [r.id, { id: r.id, config: r.config, tags: tagsOf(r.id) }])).values()];
    return imageHistory({ id: image.id, config: image.config, tags: tagsOf(image.id) }, (i) => sizes[i] ?? 0, others);
  }
}
