import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { internal, invalidArgument } from '@ce/protocol';
import { digestHex, parseDigest } from '../digest.js';
import { MemoryContent } from '../content/memory.js';
import type { ContentReader } from '../content/content-store.js';
import { Annotation, isIndexMediaType, isManifestMediaType, MediaType } from '../oci/media-types.js';
import type { Descriptor, OciIndex } from '../oci/types.js';
import { parseIndexOrManifest } from '../oci/validate.js';
import { fsyncDir, tempName, writeFileAtomic } from '../util/fs.js';

export interface WriteLayoutOptions {
  /** The entries of the layout's index.json: manifests (or indexes) with their annotations and platforms. */
  manifests: Descriptor[];
  /** Where the blobs come from: a ContentReader (e.g. the ContentStore) or the blobs themselves. */
  content: ContentReader | Iterable<Uint8Array>;
  annotations?: Record<string, string>;
}

const isReader = (c: WriteLayoutOptions['content']): c is ContentReader =>
  typeof (c as ContentReader).readStream === 'function';

/**
 * Writes an OCI image layout (image-spec v1.1 "image-layout"): `oci-layout`,
 * `blobs/sha256/*` (every blob reachable from `manifests`, each checked
 * against its digest and size) and, last, `index.json`. Deterministic: equal
 * input gives byte-equal files.
 */
export async function writeOciLayout(dir: string, options: WriteLayoutOptions): Promise<OciIndex> {
  const content = isReader(options.content) ? options.content : new MemoryContent(options.content);
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  const written = new Set<string>();

  const copy = async (desc: Descriptor, from: string): Promise<void> => {
    const digest = parseDigest(desc.digest, `digest of a blob referenced by ${from}`);
    if (written.has(digest)) return;
    const target = join(blobDir, digestHex(digest));
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size !== desc.size) {
      const tmp = tempName(target);
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of await content.readStream(digest)) {
          const b = chunk as Buffer;
          hash.update(b);
          size += b.length;
          await fh.write(b);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest || size !== desc.size) {
        await unlink(tmp).catch(() => undefined);
        throw internal(`blob ${digest} (referenced by ${from}) reads back as ${actual}, ${size} bytes (expected ${desc.size})`);
      }
      await rename(tmp, target);
    }
    written.add(digest);
    if (!isIndexMediaType(desc.mediaType) && !isManifestMediaType(desc.mediaType)) return;
    // Manifests and indexes: copy what they reference too.
    const doc = parseIndexOrManifest(await content.readBlob(digest), desc);
    if (doc.kind === 'index') {
      for (const m of doc.index.manifests) await copy(m, `index ${digest}`);
    } else {
      await copy(doc.manifest.config, `manifest ${digest}`);
      for (const l of doc.manifest.layers) await copy(l, `manifest ${digest}`);
    }
  };

  if (options.manifests.length === 0) throw invalidArgument('an image layout needs at least one manifest');
  for (const m of options.manifests) await copy(m, 'index.json');
  await fsyncDir(blobDir);

  const index: OciIndex = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: options.manifests,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  await writeFileAtomic(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n');
  await writeFileAtomic(join(dir, 'index.json'), JSON.stringify(index, null, 2) + '\n');
  return index;
}

/** The annotations that name an image in a layout, as `docker save` and containerd write them. */
export function layoutNameAnnotations(name: string, tag: string): Record<string, string> {
  return { [Annotation.ContainerdImageName]: name, [Annotation.RefName]: tag };
}
