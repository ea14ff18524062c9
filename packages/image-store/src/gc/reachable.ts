import { isCeError } from '@ce/protocol';
import type { ContentReader } from '../content/content-store.js';
import { isConfigMediaType, isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { parseImageConfig, parseIndexOrManifest } from '../oci/validate.js';
import { chainIds } from '../unpack/unpacker.js';

/** What a set of image targets references: blobs by digest and committed snapshots by chain id. */
export interface Reachable {
  content: Set<string>;
  snapshots: Set<string>;
  /** Referenced blobs that are not in the store (a record or manifest points at nothing). */
  missing: { digest: string; from: string }[];
}

/**
 * Marks everything reachable from `roots` (image record targets): indexes
 * (every platform), manifests, configs, layers, and the chain ids of the
 * layers, which name their unpacked snapshots. A blob that is missing or
 * unreadable is reported, not fatal: the mark must go on for the others.
 */
export async function markFromTargets(content: ContentReader, roots: { desc: Descriptor; from: string }[]): Promise<Reachable> {
  const out: Reachable = { content: new Set(), snapshots: new Set(), missing: [] };
  const visit = async (desc: Descriptor, from: string, depth: number): Promise<void> => {
    if (out.content.has(desc.digest)) return;
    out.content.add(desc.digest);
    const walk = isIndexMediaType(desc.mediaType) || isManifestMediaType(desc.mediaType);
    const config = isConfigMediaType(desc.mediaType);
    if (!walk && !config) {
      if (!(await exists(content, desc.digest))) out.missing.push({ digest: desc.digest, from });
      return;
    }
    let data: Buffer;
    try {
      data = await content.readBlob(desc.digest);
    } catch (err) {
      if (isCeError(err, 'NotFound')) {
        out.missing.push({ digest: desc.digest, from });
        return;
      }
      throw err;
    }
    if (config) {
      try {
        const cfg = parseImageConfig(data, `image config ${desc.digest}`);
        for (const chain of chainIds(cfg.rootfs.diff_ids)) out.snapshots.add(chain);
      } catch {
        // A config that does not parse references no snapshots; check() reports it.
      }
      return;
    }
    if (depth > 4) return;
    let doc;
    try {
      doc = parseIndexOrManifest(data, desc);
    } catch {
      return;
    }
    const here = `${doc.kind} ${desc.digest}`;
    if (doc.kind === 'index') {
      // Other platforms' manifests are often absent from a single-platform pull: not "missing".
      for (const m of doc.index.manifests) {
        if (await exists(content, m.digest)) await visit(m, here, depth + 1);
      }
    } else {
      await visit(doc.manifest.config, here, depth + 1);
      for (const l of doc.manifest.layers) {
        if (l.urls?.length && !(await exists(content, l.digest))) continue; // foreign layer
        await visit(l, here, depth + 1);
      }
    }
  };
  for (const root of roots) await visit(root.desc, root.from, 0);
  return out;
}

async function exists(content: ContentReader, digest: string): Promise<boolean> {
  try {
    await content.info(digest);
    return true;
  } catch (err) {
    if (isCeError(err, 'NotFound')) return false;
    throw err;
  }
}
