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
import { unpackLayer, type UnpackResult } from '../unpack/unpack-layer.js';
import { chainIds } from '../unpack/unpacker.js';
import { removeAll } from '../util/fs.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { isNoSpaceError } from '../util/no-space.js';
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
 * Unpacks a pull's layers while the rest download. An overlay layer's
 * directory holds only that layer's own changes, so layers are extracted in
 * parallel, as each download completes, into staging directories next to the
 * snapshots (`<snapshots>/tmp-unpack-*`, removed by the snapshotter at open
 * after a crash); each is checked against its diff id and committed as a
 * snapshot in order, once the layers below it are committed.
 */
export class UnpackPipeline {
  private manifest?: OciManifest;
  private chains: Digest[] = [];
  private diffIds: string[] = [];
  private readonly staged = new Map<number, Promise<string | undefined>>();
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
    if (!this.manifest) {
      this.manifest = manifest;
      this.diffIds = config.rootfs.diff_ids;
      this.chains = chainIds(this.diffIds);
    }
    const staged = this.limited(() => this.stage(index));
    staged.catch(() => undefined); // observed by the commit chain
    this.staged.set(index, staged);
    return this.commitReady();
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

  /** Extracts layer `index` into a staging directory; undefined when its snapshot already exists. */
  private async stage(index: number): Promise<string | undefined> {
    const layer = this.manifest!.layers[index]!;
    const chainId = this.chains[index]!;
    // Leased before the look and before the commit: an existing snapshot (shared with an image being removed) or a new one is never unreferenced in between.
    await this.opts.lease?.add({ kind: 'snapshot', id: chainId });
    if (this.opts.snapshotter.has(chainId)) return undefined;
    const dir = join(this.opts.snapshotter.root, `tmp-unpack-${randomBytes(8).toString('hex')}`);
    this.stagingDirs.add(dir);
    await mkdir(join(dir, 'fs'), { recursive: true, mode: 0o755 });
    this.opts.onProgress?.({ id: shortId(layer.digest), status: 'Extracting', current: 0, total: layer.size });
    const started = Date.now();
    try {
      await this.opts.content.info(layer.digest);
    } catch (err) {
      if (isCeError(err, 'NotFound')) throw notFound(`layer ${layer.digest} is missing from the content store`);
      throw err;
    }
    const result = await this.unpack(layer.digest, join(dir, 'fs')).catch((err: Error) => {
      if (isNoSpaceError(err)) throw err;
      err.message = `layer ${layer.digest}: ${err.message}`;
      throw err;
    });
    if (result.diffId !== this.diffIds[index]) {
      throw failedPrecondition(
        `layer ${layer.digest} does not match the image config: its tar has diff id ${result.diffId}, the config says ${this.diffIds[index]}`,
      );
    }
    this.logger.info({ layer: layer.digest, chainId, entries: result.entries, bytes: result.size, ms: Date.now() - started }, 'layer unpacked');
    return dir;
  }

  private async unpack(digest: string, dest: string): Promise<UnpackResult> {
    const { content, fsOps, allowDevices } = this.opts;
    return unpackLayer(await content.readStream(digest), dest, { fsOps, logger: this.logger, allowDevices });
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
