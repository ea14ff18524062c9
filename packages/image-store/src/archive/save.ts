// Writes images as one tar that both `docker load` (Docker 20.10 reads
// manifest.json and accepts any file names in it, compressed layers included)
// and OCI tools (it is an OCI image layout: oci-layout, index.json, blobs/)
// understand — the layout Docker >= 25 writes. Blobs are streamed from the
// content store; nothing is held in memory but the small JSON documents.
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { digestHex, type Digest } from '../digest.js';
import type { ContentReader } from '../content/content-store.js';
import { Annotation, MediaType } from '../oci/media-types.js';
import type { Descriptor, OciIndex, OciManifest } from '../oci/types.js';
import { familiarReference, parseReference } from '../reference/reference.js';

/** One image to save: the manifest for the chosen platform and every name it is saved under. */
export interface SaveImage {
  names: string[];
  manifestDescriptor: Descriptor;
  manifest: OciManifest;
}

const blobName = (digest: string): string => `blobs/sha256/${digestHex(digest as Digest)}`;

export async function writeImageArchive(images: SaveImage[], content: ContentReader, out: Writable): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out);
  // The output can fail at any time (a client that went away): each wait below then ends with its error
  // instead of waiting for an entry callback of a destroyed pack.
  const outputFailed = new Promise<never>((_resolve, reject) => void piping.catch(reject));
  outputFailed.catch(() => undefined);
  const orOutputFailure = (p: Promise<void>) => Promise.race([p, outputFailed]);
  const mtime = new Date(0);
  const put = (name: string, data: Buffer) =>
    orOutputFailure(new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mode: 0o644, mtime }, data, (err) => (err ? reject(err) : resolve()))));
  const dir = (name: string) =>
    orOutputFailure(new Promise<void>((resolve, reject) => pack.entry({ name, type: 'directory', mode: 0o755, mtime }, (err) => (err ? reject(err) : resolve()))));
  const written = new Set<string>();
  const putBlob = async (desc: Descriptor): Promise<void> => {
    if (written.has(desc.digest)) return;
    written.add(desc.digest);
    const stream = await content.readStream(desc.digest);
    await orOutputFailure(new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: blobName(desc.digest), size: desc.size, mode: 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
      // pipeline, not pipe: a failure on either side closes the blob's file too.
      pipeline(stream, entry).catch(reject);
    }).finally(() => stream.destroy()));
  };

  try {
    await put('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await dir('blobs/');
    await dir('blobs/sha256/');
    const index: OciIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const image of images) {
      await putBlob(image.manifestDescriptor);
      await putBlob(image.manifest.config);
      for (const layer of image.manifest.layers) await putBlob(layer);
      const top = image.manifest.layers.at(-1);
      const repoTags: string[] = [];
      for (const name of image.names) {
        const ref = parseReference(name);
        const annotations: Record<string, string> = { [Annotation.ContainerdImageName]: ref.toString() };
        if (ref.tag) {
          annotations[Annotation.RefName] = ref.tag;
          repoTags.push(familiarReference(ref.toString()));
          if (top) (repositories[ref.familiarName] ??= {})[ref.tag] = digestHex(top.digest as Digest);
        }
        index.manifests.push({ mediaType: image.manifestDescriptor.mediaType, digest: image.manifestDescriptor.digest, size: image.manifestDescriptor.size, annotations });
      }
      dockerManifest.push({ Config: blobName(image.manifest.config.digest), RepoTags: repoTags, Layers: image.manifest.layers.map((l) => blobName(l.digest)) });
    }
    await put('index.json', Buffer.from(JSON.stringify(index)));
    await put('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
    if (Object.keys(repositories).length) await put('repositories', Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
}
