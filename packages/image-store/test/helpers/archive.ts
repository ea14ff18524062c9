// Builds image archives in memory for tests, the way `docker save` writes them.
import * as tar from 'tar-stream';
import { sha256 } from '../../src/digest.js';
import type { TestImage } from './image.js';

export interface TarEntry {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const type = e.type ?? 'file';
      const header = { name: e.name, type, mode: 0o644, mtime: new Date(0), ...(e.linkname ? { linkname: e.linkname } : {}) };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, Buffer.from(e.data ?? ''), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

export function blobOf(image: TestImage, digest: string): Buffer {
  const blob = image.blobs.find((b) => sha256(b) === digest);
  if (!blob) throw new Error(`test image has no blob ${digest}`);
  return blob;
}

/**
 * The entries of a Docker 20.10 `docker save` archive of an image built with
 * uncompressed layers: `<n>/layer.tar`, `<config hex>.json`, manifest.json, repositories.
 */
export function legacyDockerSaveEntries(image: TestImage, repoTags: string[]): TarEntry[] {
  const configHex = image.configDigest.slice(7);
  const layerDirs = image.manifest.layers.map((l) => sha256(`v1 ${l.digest}`).slice(7));
  const entries: TarEntry[] = [];
  for (const [i, l] of image.manifest.layers.entries()) {
    entries.push({ name: `${layerDirs[i]}/`, type: 'directory' });
    entries.push({ name: `${layerDirs[i]}/VERSION`, data: '1.0' });
    entries.push({ name: `${layerDirs[i]}/json`, data: JSON.stringify({ id: layerDirs[i] }) });
    entries.push({ name: `${layerDirs[i]}/layer.tar`, data: blobOf(image, l.digest) });
  }
  entries.push({ name: `${configHex}.json`, data: blobOf(image, image.configDigest) });
  entries.push({
    name: 'manifest.json',
    data: JSON.stringify([{ Config: `${configHex}.json`, RepoTags: repoTags, Layers: layerDirs.map((d) => `${d}/layer.tar`) }]),
  });
  const repositories: Record<string, Record<string, string>> = {};
  for (const t of repoTags) {
    const [repo, tag] = t.split(':') as [string, string];
    (repositories[repo] ??= {})[tag] = layerDirs.at(-1)!;
  }
  entries.push({ name: 'repositories', data: JSON.stringify(repositories) });
  return entries;
}
