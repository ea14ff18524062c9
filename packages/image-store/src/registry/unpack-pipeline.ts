import { randomBytes } from 'node:crypto';
import { mkdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { failedPrecondition, isCeError, notFound } from '@ce/protocol';
import { shortId, type Digest } from '../digest.js';
import type { ContentStore } from '../content/content-store.js';
import type { Lease } from '../leases/types.js';
import type { OciImageConfig, OciManifest } from '../oci/types.js';
import type { OverlaySnapshotter } from '../snapshots/overlay.js';
import type { FsOps } from '../unpack/fs-ops.js';
import { unpackLayer } from '../unpack/unpack-layer.js';
import { chainIds } from '../unpack/unpacker.js';
import { removeAll } from '../util/fs.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { isNoSpaceError } from '../util/no-space.js';
import { LayerFeed } from './layer-feed.js';
import type { LayerStream } from './pull.js';
import type { ProgressCallback } from './types.js';

export interface UnpackPipelineOptions {
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  logger?: Logger;
  fsOps?: FsOps;
  lease?: Lease;
  onProgress?: ProgressCallback;
  /** Layers extracted at once (default 2). */
  concurrency?: number;
  /** Let layers create device nodes other than whiteouts (ImageStoreOptions.allowDevices). */
  allowDevices?: boolean;
}

/**
 * Unpacks a pull's layers as they download. An overlay layer's directory holds
 * only that layer's own changes, so layers are extracted in parallel into
 * staging directories next to the snapshots (`<snapshots>/tmp-unpack-*`,
 * removed by the snapshotter at open after a crash). A layer downloaded from
 * its first byte is extracted from its bytes as they arrive
 * (layerDownloading), with no second read of the blob; one that was there
 * already, or resumed from an earlier pull's ingest, is read back from the
 * content store once its download completes. Each is checked against its
 * diff id and, once its blob's digest checked out too (layerReady), committed
 * as a snapshot in order, once the layers below it are committed.
 */
export class UnpackPipeline {
  private manifest?: OciManifest;
  private chains: Digest[] = [];
  private diffIds: string[] = [];
  private readonly staged = new Map<number, Promise<string | undefined>>();
  /** Streamed layers whose blob is not verified yet: layerReady (or the stream's failure) settles them. */
  private readonly unverified = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  private nextCommit = 0;
  private committing: Promise<void> = Promise.resolve();
  private readonly stagingDirs = new Set<string>();
  private readonly logger: Logger;

  constructor(private readonly opts: UnpackPipelineOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Layer `index` is in the content store: stage it, and commit what can be committed. The promise settles with the commits it led to. */
  layerReady(index: number, manifest: OciManifest, config: OciImageConfig): Promise<void> {
    this.init(manifest, config);
    const streamed = this.unverified.get(index);
    if (streamed) {
      this.unverified.delete(index);
      this.opts.onProgress?.({ id: shortId(manifest.layers[index]!.digest), status: 'Extracting', current: 0, total: manifest.layers[index]!.size });
      streamed.resolve();
    } else if (!this.staged.has(index)) {
      const staged = this.limited(() => this.stage(index));
      staged.catch(() => undefined); // observed by the commit chain
      this.staged.set(index, staged);
    }
    return this.commitReady();
  }

  /**
   * Layer `index` starts downloading from its first byte: what the returned
   * stream gets is extracted as it arrives (undefined when its snapshot
   * exists). The result is committed only after layerReady, once the blob's
   * digest checked out; a failed stream leaves nothing but its staging
   * directory, which cleanup() removes.
   */
  async layerDownloading(index: number, manifest: OciManifest, config: OciImageConfig): Promise<LayerStream | undefined> {
    this.init(manifest, config);
    const chainId = this.chains[index]!;
    await this.opts.lease?.add({ kind: 'snapshot', id: chainId });
    if (this.opts.snapshotter.has(chainId)) return undefined;
    const feed = new LayerFeed();
    let downloadFailure: { err: unknown } | undefined;
    const verified = new Promise<void>((resolve, reject) => this.unverified.set(index, { resolve, reject }));
    verified.catch(() => undefined); // observed below, unless the extraction failed first
    const staged = (async () => {
      let dir: string | undefined;
      try {
        dir = await this.stage(index, feed);
      } catch (err) {
        // The download's own failure (a dropped connection, an abort, a digest) says more than what it did to the extraction.
        throw downloadFailure ? downloadFailure.err : err;
      }
      await verified;
      return dir;
    })();
    staged.catch(() => undefined); // observed by the commit chain
    this.staged.set(index, staged);
    return {
      write: (chunk) => feed.write(chunk),
      end: () => feed.end(),
      fail: (err) => {
        downloadFailure ??= { err };
        feed.fail(err);
        this.unverified.get(index)?.reject(err);
        this.unverified.delete(index);
      },
    };
  }

  private init(manifest: OciManifest, config: OciImageConfig): void {
    if (this.manifest) return;
    this.manifest = manifest;
    this.diffIds = config.rootfs.diff_ids;
    this.chains = chainIds(this.diffIds);
  }

  private limited<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        this.running++;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.queue.shift()?.();
          });
      };
      if (this.running < (this.opts.concurrency ?? 2)) run();
      else this.queue.push(run);
    });
  }

  /** Waits for every layer to be committed. */
  async finish(): Promise<void> {
    await this.committing;
  }

  /** Removes staging directories left by a failure. */
  async cleanup(): Promise<void> {
    await Promise.allSettled([...this.staged.values()]);
    await this.committing.catch(() => undefined);
    for (const dir of this.stagingDirs) await removeAll(dir);
    this.stagingDirs.clear();
  }

  /**
   * Extracts layer `index` into a staging directory, from `feed` as it
   * downloads or else from the content store; undefined when its snapshot
   * already exists.
   */
  private async stage(index: number, feed?: LayerFeed): Promise<string | undefined> {
    const layer = this.manifest!.layers[index]!;
    const chainId = this.chains[index]!;
    if (!feed) {
      // Leased before the look and before the commit: an existing snapshot (shared with an image being removed) or a new one is never unreferenced in between.
      await this.opts.lease?.add({ kind: 'snapshot', id: chainId });
      if (this.opts.snapshotter.has(chainId)) return undefined;
    }
    const dir = join(this.opts.snapshotter.root, `tmp-unpack-${randomBytes(8).toString('hex')}`);
    this.stagingDirs.add(dir);
    const started = Date.now();
    let source: AsyncIterable<Uint8Array>;
    try {
      await mkdir(join(dir, 'fs'), { recursive: true, mode: 0o755 });
      if (feed) source = feed;
      else {
        this.opts.onProgress?.({ id: shortId(layer.digest), status: 'Extracting', current: 0, total: layer.size });
        source = await this.blobStream(layer.digest);
      }
    } catch (err) {
      // The stream's reader is gone: its download goes on into the ingest only.
      void feed?.[Symbol.asyncIterator]().return?.();
      throw err;
    }
    const { fsOps, allowDevices } = this.opts;
    const result = await unpackLayer(source, join(dir, 'fs'), { fsOps, logger: this.logger, allowDevices }).catch((err: Error) => {
      if (isNoSpaceError(err)) throw err;
      err.message = `layer ${layer.digest}: ${err.message}`;
      throw err;
    });
    if (result.diffId !== this.diffIds[index]) {
      throw failedPrecondition(
        `layer ${layer.digest} does not match the image config: its tar has diff id ${result.diffId}, the config says ${this.diffIds[index]}`,
      );
    }
    this.logger.info({ layer: layer.digest, chainId, entries: result.entries, bytes: result.size, ms: Date.now() - started, streamed: !!feed }, 'layer unpacked');
    return dir;
  }

  private async blobStream(digest: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      return await this.opts.content.readStream(digest);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw notFound(`layer ${digest} is missing from the content store`);
      throw err;
    }
  }

  /** Commits, in order, every staged layer whose lower layers are committed. */
  private commitReady(): Promise<void> {
    while (this.staged.has(this.nextCommit)) {
      const index = this.nextCommit++;
      const staged = this.staged.get(index)!;
      this.committing = this.committing.then(async () => {
        const dir = await staged;
        const layer = this.manifest!.layers[index]!;
        const chainId = this.chains[index]!;
        if (dir !== undefined) {
          await this.opts.snapshotter.createCommitted(
            chainId,
            this.chains[index - 1],
            async (fsDir) => {
              await rmdir(fsDir);
              await rename(join(dir, 'fs'), fsDir);
            },
            { 'ce.layer.digest': layer.digest, 'ce.layer.diffid': this.diffIds[index]! },
          );
          await removeAll(dir);
          this.stagingDirs.delete(dir);
        }
        if (dir !== undefined) this.opts.onProgress?.({ id: shortId(layer.digest), status: 'Pull complete' });
      });
    }
    return this.committing;
  }
}
