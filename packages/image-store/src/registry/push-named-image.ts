// `docker push`, composed: the image record names the target, the other
// records of the same registry offer blobs to mount, the registry client uploads.
import { notFound } from '@ce/protocol';
import type { FileContentStore } from '../content/file-content-store.js';
import { addDigestName } from '../images/digest-names.js';
import type { ImageResolver } from '../images/image-resolver.js';
import type { ImageMetadataStore } from '../images/image-metadata-store.js';
import { parseReference } from '../reference/reference.js';
import type { Logger } from '../util/logger.js';
import { pushImage } from './push.js';
import type { PushOptions, PushResult, RegistryOptions } from './types.js';

export interface PushImageParts {
  /** The files themselves: blobs are streamed from their files (ranges for chunked uploads). */
  content: FileContentStore;
  metadata: ImageMetadataStore;
  resolver: ImageResolver;
  registry: RegistryOptions;
  logger: Logger;
  /** Runs `fn` under the store's image lock. */
  locked: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Uploads the image named `reference` (tag it first) to its registry. */
export async function pushNamedImage(parts: PushImageParts, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(reference);
  const meta = await parts.metadata.get(ref.toString());
  if (!meta) throw notFound(`An image does not exist locally with the tag: ${ref.familiarName}${ref.tag && ref.tag !== 'latest' ? `:${ref.tag}` : ''}`);
  // Blobs other local images of the same registry came with can be mounted rather than uploaded.
  const sources = new Map<string, string[]>();
  for (const other of await parts.metadata.list()) {
    const o = parseReference(other.name);
    if (o.domain !== ref.domain || o.path === ref.path) continue;
    try {
      const { manifest } = await parts.resolver.resolve(other.target, other.name);
      for (const b of [manifest.config, ...manifest.layers]) sources.set(b.digest, [...(sources.get(b.digest) ?? []), o.path]);
    } catch {
      // An image that cannot be resolved offers nothing to mount.
    }
  }
  const result = await pushImage(
    ref,
    meta.target,
    { content: parts.content, registry: parts.registry, mountSources: (d) => [...new Set(sources.get(d) ?? [])] },
    options,
  );
  // As dockerd: the pushed image is named by its digest in that repository too.
  await parts.locked(async () => {
    if ((await parts.metadata.get(ref.toString()))?.target.digest === meta.target.digest) await addDigestName(parts.metadata, ref.name, result.digest, meta.target);
  });
  parts.logger.info({ name: result.name, digest: result.digest }, 'image pushed');
  return result;
}
