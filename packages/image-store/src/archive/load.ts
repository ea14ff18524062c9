// Interprets a staged image archive: Docker's `docker save` format (the
// legacy layout of Docker <= 24, `<id>/layer.tar` + `<config>.json`, and the
// OCI-in-docker-archive layout of Docker >= 25, both described by
// manifest.json) or a plain OCI image layout in a tar. Everything is checked
// before anything is committed: each file against the digest its name or a
// descriptor gives, each uncompressed layer against the config's diff ids.
import { open } from 'node:fs/promises';
import { invalidArgument } from '@ce/protocol';
import { digestHex, sha256 } from '../digest.js';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../oci/media-types.js';
import { platformMatches } from '../oci/platform.js';
import type { Descriptor, OciManifest, Platform } from '../oci/types.js';
import { parseImageConfig, parseIndex, parseIndexOrManifest, parseLayoutHeader } from '../oci/validate.js';
import { layoutEntryName } from '../layout/import.js';
import { parseReference } from '../reference/reference.js';
import type { StagedArchive, StagedFile } from './stage.js';

/** What loading an archive yields: names to record and the blobs to commit first. */
export interface ArchivePlan {
  images: { name: string; target: Descriptor }[];
  /** Blobs already in the staging folder, by digest. */
  staged: Map<string, StagedFile>;
  /** Blobs made here (manifests for docker-archive images that carry none). */
  generated: Buffer[];
}

const OCI_LAYER_TYPE: Record<string, string> = {
  [MediaType.DockerLayer]: MediaType.OciLayer,
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
};

interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** The digest a name announces: `blobs/sha256/<hex>` or `<hex>.json`; undefined when it announces none. */
function digestFromName(name: string): string | undefined {
  const m = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(name) ?? /^([a-f0-9]{64})\.json$/.exec(name);
  return m ? `sha256:${m[1]}` : undefined;
}

function stagedFile(archive: StagedArchive, name: string, what: string): StagedFile {
  const file = archive.lookup(name);
  if (!file) throw invalidArgument(`archive: ${what} names ${JSON.stringify(name)}, which is not in the archive`);
  const announced = digestFromName(name);
  if (announced && announced !== file.digest) {
    throw invalidArgument(`archive: digest mismatch for ${name} (${what}): its content has digest ${file.digest}`);
  }
  return file;
}

async function layerMediaType(file: StagedFile, oci: boolean): Promise<string> {
  const fh = await open(file.path, 'r');
  const head = Buffer.alloc(4);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (file.size >= 2 && head[0] === 0x1f && head[1] === 0x8b) return oci ? MediaType.OciLayerGzip : MediaType.DockerLayerGzip;
  if (file.size >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return MediaType.OciLayerZstd;
  return oci ? MediaType.OciLayer : MediaType.DockerLayer;
}

function parseDockerManifestJson(data: Buffer): DockerArchiveEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`archive: manifest.json is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value)) throw invalidArgument('archive: manifest.json must be a JSON array');
  if (value.length === 0) throw invalidArgument('archive: manifest.json lists no images');
  return value.map((v, i) => {
    const at = `manifest.json[${i}]`;
    const e = v as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) throw invalidArgument(`archive: ${at} must be an object`);
    if (typeof e.Config !== 'string' || e.Config === '') throw invalidArgument(`archive: ${at}.Config must be a file name`);
    if (!Array.isArray(e.Layers) || e.Layers.some((l) => typeof l !== 'string')) throw invalidArgument(`archive: ${at}.Layers must be an array of file names`);
    const tags = e.RepoTags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw invalidArgument(`archive: ${at}.RepoTags must be an array of names`);
    return { Config: e.Config, Layers: e.Layers as string[], RepoTags: tags as string[] };
  });
}

/** Plans the import of a `docker save` archive described by manifest.json. */
async function planDockerArchive(archive: StagedArchive): Promise<ArchivePlan> {
  const entries = parseDockerManifestJson(await archive.readDocument('manifest.json'));
  const plan: ArchivePlan = { images: [], staged: new Map(), generated: [] };
  const ociManifests = await ociManifestsByConfig(archive);
  for (const [i, entry] of entries.entries()) {
    const at = `manifest.json[${i}]`;
    const configFile = stagedFile(archive, entry.Config, `${at}.Config`);
    const config = parseImageConfig(await archive.readDocument(entry.Config, `${at}.Config (${entry.Config})`), `image config ${entry.Config}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== entry.Layers.length) {
      throw invalidArgument(`archive: ${at} lists ${entry.Layers.length} layers but its config ${entry.Config} has ${diffIds.length} diff ids`);
    }
    if (entry.RepoTags.length === 0) {
      throw invalidArgument(`archive: ${at} (image ${configFile.digest}) has no RepoTags; ce records images by name, so save the image by name`);
    }
    const names = entry.RepoTags.map((t, j) => {
      try {
        const ref = parseReference(t);
        if (ref.digest) throw invalidArgument('a digest is not a tag');
        return ref.toString();
      } catch (err) {
        throw invalidArgument(`archive: ${at}.RepoTags[${j}] ${JSON.stringify(t)} is not a valid image name: ${(err as Error).message}`);
      }
    });
    const layers: Descriptor[] = [];
    const anyZstd: number[] = [];
    for (const [j, layerName] of entry.Layers.entries()) {
      const file = stagedFile(archive, layerName, `${at}.Layers[${j}]`);
      const mediaType = await layerMediaType(file, false);
      if (mediaType === MediaType.DockerLayer && file.digest !== diffIds[j]) {
        throw invalidArgument(`archive: layer ${layerName} does not match the image config: its digest is ${file.digest}, the config's diff id is ${diffIds[j]}`);
      }
      if (mediaType === MediaType.OciLayerZstd) anyZstd.push(j);
      layers.push({ mediaType, digest: file.digest, size: file.size });
      plan.staged.set(file.digest, file);
    }
    plan.staged.set(configFile.digest, configFile);
    let target = ociManifests.get(configFile.digest);
    if (target) {
      plan.staged.set(target.digest, archive.lookup(`blobs/sha256/${digestHex(target.digest as `sha256:${string}`)}`)!);
    } else {
      // The legacy layout carries no manifest: make the one a registry would serve
      // (Docker's media types; OCI's when a zstd layer needs them, Docker having none).
      const oci = anyZstd.length > 0;
      const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
        config: { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, digest: configFile.digest, size: configFile.size },
        layers: oci ? layers.map((l) => ({ ...l, mediaType: OCI_LAYER_TYPE[l.mediaType] ?? l.mediaType })) : layers,
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      plan.generated.push(bytes);
      target = { mediaType: manifest.mediaType!, digest: sha256(bytes), size: bytes.length };
    }
    for (const name of names) plan.images.push({ name, target });
  }
  return plan;
}

/** The image manifests of an OCI layout inside a docker archive (Docker >= 25), by config digest. */
async function ociManifestsByConfig(archive: StagedArchive): Promise<Map<string, Descriptor>> {
  const out = new Map<string, Descriptor>();
  if (!archive.has('index.json')) return out;
  const index = parseIndex(await archive.readDocument('index.json'), 'archive index.json');
  for (const desc of index.manifests) {
    if (!isManifestMediaType(desc.mediaType)) continue;
    const file = archive.lookup(`blobs/sha256/${digestHex(desc.digest as `sha256:${string}`)}`);
    if (!file || file.digest !== desc.digest || file.size !== desc.size) continue;
    const doc = parseIndexOrManifest(await archive.readDocument(`blobs/sha256/${digestHex(desc.digest as `sha256:${string}`)}`), desc);
    if (doc.kind !== 'manifest') continue;
    // Only when the layers it names are those manifest.json names: otherwise the generated manifest is used.
    const complete = doc.manifest.layers.every((l) => archive.lookup(`blobs/sha256/${digestHex(l.digest as `sha256:${string}`)}`)?.digest === l.digest);
    if (complete) out.set(doc.manifest.config.digest, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size });
  }
  return out;
}

/** Plans the import of an OCI image layout in a tar (`skopeo copy … oci-archive:`). */
async function planOciArchive(archive: StagedArchive, options: { name?: string; platform: Platform }): Promise<ArchivePlan> {
  parseLayoutHeader(await archive.readDocument('oci-layout'), 'archive oci-layout');
  const index = parseIndex(await archive.readDocument('index.json'), 'archive index.json');
  if (index.manifests.length === 0) throw invalidArgument('archive: index.json lists no images');
  const plan: ArchivePlan = { images: [], staged: new Map(), generated: [] };
  const add = async (desc: Descriptor, from: string, required: boolean, depth: number): Promise<void> => {
    if (plan.staged.has(desc.digest)) return;
    const name = `blobs/sha256/${digestHex(desc.digest as `sha256:${string}`)}`;
    const file = archive.lookup(name);
    if (!file) {
      if (!required) return;
      throw invalidArgument(`archive: blob ${desc.digest} (referenced by ${from}) is missing`);
    }
    if (file.digest !== desc.digest) throw invalidArgument(`archive: digest mismatch for ${name} (referenced by ${from}): its content has digest ${file.digest}`);
    if (file.size !== desc.size) throw invalidArgument(`archive: ${name} has ${file.size} bytes, ${from} says ${desc.size}`);
    plan.staged.set(desc.digest, file);
    if (depth > 4 || !(isIndexMediaType(desc.mediaType) || isManifestMediaType(desc.mediaType))) return;
    const doc = parseIndexOrManifest(await archive.readDocument(name, `${desc.mediaType} ${desc.digest}`), desc);
    const here = `${doc.kind} ${desc.digest}`;
    if (doc.kind === 'index') {
      for (const m of doc.index.manifests) await add(m, here, required && (!m.platform || platformMatches(options.platform, m.platform)), depth + 1);
    } else {
      await add(doc.manifest.config, here, required, depth + 1);
      for (const l of doc.manifest.layers) await add(l, here, required && !l.urls?.length, depth + 1);
    }
  };
  const unnamed: string[] = [];
  for (const entry of index.manifests) {
    await add(entry, 'index.json', true, 0);
    const name = layoutEntryName(entry, options.name);
    if (name) plan.images.push({ name, target: entry });
    else unnamed.push(entry.digest);
  }
  if (plan.images.length === 0) {
    throw invalidArgument('archive: index.json does not name its images (no io.containerd.image.name or org.opencontainers.image.ref.name annotation): give a name to load it');
  }
  return plan;
}

/** What to commit and record for a staged archive. */
export async function planArchive(archive: StagedArchive, options: { name?: string; platform: Platform }): Promise<ArchivePlan> {
  if (archive.has('manifest.json')) return planDockerArchive(archive);
  if (archive.has('index.json')) return planOciArchive(archive, options);
  if (archive.has('repositories')) {
    throw invalidArgument('archive: it has no manifest.json: this is a pre-1.10 `docker save` archive, which ce does not load');
  }
  throw invalidArgument('archive: neither manifest.json (docker save) nor index.json (OCI image layout) is in the archive');
}
