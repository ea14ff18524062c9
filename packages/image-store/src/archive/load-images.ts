// `docker load`, composed: the archive is staged in the content store's
// ingest folder, checked, committed blob by blob, and its images named.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileContentStore } from '../content/file-content-store.js';
import type { Digest } from '../digest.js';
import type { ImageResolver } from '../images/image-resolver.js';
import type { FileLeaseManager } from '../leases/manager.js';
import type { ImageRecord } from '../types.js';
import { removeAll } from '../util/fs.js';
import type { Logger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';
import { planArchive } from './load.js';
import { stageArchive } from './stage.js';

export interface LoadImagesParts {
  /** The files themselves: staged files are committed by rename, not copied. */
  content: FileContentStore;
  resolver: ImageResolver;
  leases: FileLeaseManager;
  logger: Logger;
  /** Runs `fn` under the store's image lock. */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
}

/**
 * Imports a `docker save` tar (Docker's legacy layout or the
 * OCI-in-docker-archive one; gzip-compressed too) or an OCI image layout
 * in a tar, read once as a stream. The archive is untrusted: every file is
 * checked against its digest and every layer against the config before
 * anything is committed, and no name is recorded unless all of it is valid.
 */
export async function loadImages(parts: LoadImagesParts, source: AsyncIterable<Uint8Array>, options: { name?: string } = {}): Promise<ImageRecord[]> {
  const { content, resolver, logger } = parts;
  const lease = await parts.leases.create({ reason: 'load an image archive', expiresInMs: 6 * 60 * 60 * 1000 });
  // Leased before it exists: an unleased staging directory is debris to check and gc.
  const stagingName = `load-${randomBytes(8).toString('hex')}`;
  const staging = join(content.ingestDir, stagingName);
  try {
    await lease.add({ kind: 'ingest', id: stagingName });
    await mkdir(staging, { mode: 0o700 });
    const archive = await stageArchive(source, staging).catch((err: unknown) => {
      throw noSpaceLeft(err, 'loading an image archive into', staging) ?? err;
    });
    const plan = await planArchive(archive, { name: options.name || undefined, platform: resolver.platform });
    for (const [digest, file] of plan.staged) {
      await lease.add({ kind: 'content', id: digest });
      if (!(await content.exists(digest))) await content.commitFile(file.path, file.digest, file.size);
    }
    const leaseBlob = (digest: Digest) => lease.add({ kind: 'content', id: digest });
    for (const blob of plan.generated) await content.ingest(blob, {}, leaseBlob);
    // Resolve before naming anything: an image that cannot run here is not recorded.
    for (const img of plan.images) await resolver.resolve(img.target, img.name);
    return await parts.locked(async () => {
      const out: ImageRecord[] = [];
      for (const img of plan.images) {
        out.push(await resolver.name(img));
        logger.info({ name: img.name, target: img.target.digest }, 'image loaded');
      }
      return out;
    });
  } finally {
    await removeAll(staging);
    await lease.release();
  }
}
