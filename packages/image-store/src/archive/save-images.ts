// `docker save` and OCI layout export, over the image records and a content reader.
import type { Writable } from 'node:stream';
import { invalidArgument } from '@ce/protocol';
import type { ContentReader } from '../content/content-store.js';
import type { ImageResolver } from '../images/image-resolver.js';
import { layoutNameAnnotations, writeOciLayout } from '../layout/write.js';
import type { Descriptor } from '../oci/types.js';
import { parseReference } from '../reference/reference.js';
import { writeImageArchive, type SaveImage } from './save.js';

export interface SaveImagesParts {
  content: ContentReader;
  resolver: ImageResolver;
}

/**
 * Writes the images `references` name as one tar that `docker load` and OCI
 * tools read. A name saves that name; an id saves the image under every name it has.
 */
export async function saveImages(parts: SaveImagesParts, references: string[], out: Writable): Promise<void> {
  const { resolver } = parts;
  if (references.length === 0) throw invalidArgument('save needs at least one image');
  const byId = new Map<string, SaveImage>();
  for (const reference of references) {
    const { byId: isId, records } = await resolver.lookup(reference);
    const image = records[0]!;
    const r = await resolver.resolve(image.target, image.name);
    const names = isId ? (await resolver.records()).filter((x) => x.id === image.id).map((x) => x.name) : [image.name];
    const entry = byId.get(image.id) ?? { names: [], manifestDescriptor: r.manifestDesc, manifest: r.manifest };
    for (const n of names) if (!entry.names.includes(n)) entry.names.push(n);
    byId.set(image.id, entry);
  }
  await writeImageArchive([...byId.values()], parts.content, out);
}

/**
 * Writes the images `references` name as an OCI image layout directory
 * (each name annotated as containerd and Docker do), e.g. for
 * `skopeo copy oci:` or `umoci unpack`.
 */
export async function exportImagesLayout(parts: SaveImagesParts, dir: string, references: string[]): Promise<void> {
  if (references.length === 0) throw invalidArgument('export needs at least one image');
  const manifests: Descriptor[] = [];
  for (const reference of references) {
    const image = await parts.resolver.get(reference);
    const r = await parts.resolver.resolve(image.target, image.name);
    const ref = parseReference(image.name);
    manifests.push({ ...r.manifestDesc, annotations: layoutNameAnnotations(ref.toString(), ref.tag ?? 'latest') });
  }
  await writeOciLayout(dir, { manifests, content: parts.content });
}
