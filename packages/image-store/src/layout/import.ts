import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CeError, invalidArgument, isCeError } from '@ce/protocol';
import { digestHex, parseDigest } from '../digest.js';
import type { ContentStore } from '../content/content-store.js';
import { Annotation, isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { defaultPlatform, platformMatches } from '../oci/platform.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { parseIndex, parseIndexOrManifest, parseLayoutHeader } from '../oci/validate.js';
import { parseReference } from '../reference/reference.js';
import { isErrno } from '../util/fs.js';

export interface ImportLayoutOptions {
  /** Name for index entries that carry no name annotation; a tag-only ref.name is applied to its repository. */
  name?: string;
  /** The platform whose manifests must be complete (default: this machine's); others are imported when present. */
  platform?: Platform;
}

/** An image found in a layout: a name and the manifest or index it points at. */
export interface ImportedImage {
  name: string;
  target: Descriptor;
}

const TAG_ONLY = /^[\w][\w.-]{0,127}$/;

/**
 * The name an index.json entry gives its image: `io.containerd.image.name`
 * (a full reference), else `org.opencontainers.image.ref.name` (a full
 * reference, or a tag for the given name's repository), else the given name.
 */
export function layoutEntryName(entry: Descriptor, givenName?: string): string | undefined {
  const a = entry.annotations ?? {};
  const full = a[Annotation.ContainerdImageName];
  if (full) return parseReference(full).toString();
  const ref = a[Annotation.RefName];
  if (ref) {
    if (!TAG_ONLY.test(ref)) return parseReference(ref).toString();
    if (givenName) return parseReference(givenName, { defaultTag: false }).withTag(ref).toString();
  }
  return givenName ? parseReference(givenName).toString() : undefined;
}

/**
 * Imports an OCI image layout directory into the content store: every blob
 * reachable from index.json is copied through the store's ingest, which
 * verifies its size and digest. Returns the named images; records are the
 * caller's to write (ImageStore.importOciLayout does).
 */
export async function importOciLayout(dir: string, content: ContentStore, options: ImportLayoutOptions = {}): Promise<ImportedImage[]> {
  const platform = options.platform ?? defaultPlatform();
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, file));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw invalidArgument(`${dir} is not an OCI image layout: ${what} ${file} is missing`);
      if (isErrno(err, 'ENOTDIR')) throw invalidArgument(`${dir} is not a directory`);
      throw err;
    }
  };
  parseLayoutHeader(await read('oci-layout', 'the layout marker'), `${dir}/oci-layout`);
  const index = parseIndex(await read('index.json', 'the index'), `${dir}/index.json`);
  if (index.manifests.length === 0) throw invalidArgument(`${dir}/index.json lists no images`);

  const done = new Set<string>();
  const ingest = async (desc: Descriptor, from: string, required: boolean): Promise<boolean> => {
    const digest = parseDigest(desc.digest, `digest referenced by ${from}`);
    if (done.has(digest)) return true;
    const path = join(dir, 'blobs', 'sha256', digestHex(digest));
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) {
      if (!required) return false;
      throw invalidArgument(`${dir} is incomplete: blob ${digest} (referenced by ${from}) is missing`);
    }
    try {
      await content.ingest(createReadStream(path), { digest, size: desc.size });
    } catch (err) {
      if (isCeError(err, 'InvalidArgument')) {
        throw new CeError('InvalidArgument', `${dir}: blob ${digest} (referenced by ${from}) is corrupt: ${err.message}`);
      }
      throw err;
    }
    done.add(digest);
    if (isIndexMediaType(desc.mediaType) || isManifestMediaType(desc.mediaType)) {
      const doc = parseIndexOrManifest(await content.readBlob(digest), desc);
      if (doc.kind === 'index') {
        for (const m of doc.index.manifests) {
          // Other platforms' manifests are often left out of a single-platform save.
          const needed = !m.platform || platformMatches(platform, m.platform);
          await ingest(m, `index ${digest}`, needed && required);
        }
      } else {
        await ingest(doc.manifest.config, `manifest ${digest}`, required);
        for (const l of doc.manifest.layers) {
          // Non-distributable layers with URLs may legitimately be absent.
          await ingest(l, `manifest ${digest}`, required && !(l.urls && l.urls.length));
        }
      }
    }
    return true;
  };

  const images: ImportedImage[] = [];
  const unnamed: string[] = [];
  for (const entry of index.manifests) {
    await ingest(entry, 'index.json', true);
    const name = layoutEntryName(entry, options.name);
    if (name) images.push({ name, target: entry });
    else unnamed.push(entry.digest);
  }
  if (images.length === 0) {
    throw invalidArgument(
      `${dir}/index.json does not name its image${unnamed.length > 1 ? 's' : ''} (no io.containerd.image.name or org.opencontainers.image.ref.name annotation): give a name to import it`,
    );
  }
  return images;
}
