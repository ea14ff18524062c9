import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { sha256, type Digest } from '../digest.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';

/** One entry of a layer built in memory. */
export interface LayerEntry {
  /** Path inside the layer, relative ("hello", "etc/passwd"). Written as given. */
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  data?: Uint8Array | string;
  /** Permission bits, setuid/setgid/sticky included (default 0644, 0755 for directories). */
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  /** Symlink or hard link target. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as PAX SCHILY.xattr.* records. */
  xattrs?: Record<string, string>;
}

export interface BuiltLayer {
  /** The uncompressed tar. */
  tar: Buffer;
  /** The blob as stored: gzip-compressed unless compression was 'none'. */
  blob: Buffer;
  /** sha256 of the uncompressed tar, for the config's rootfs.diff_ids. */
  diffId: Digest;
  /** The manifest's layer descriptor. */
  descriptor: Descriptor;
}

export interface BuildLayerOptions {
  compression?: 'gzip' | 'none';
  /** OCI (default) or Docker schema 2 layer media types. */
  format?: 'oci' | 'docker';
}

/**
 * Builds a layer tar in memory, byte-for-byte deterministic for equal input
 * (fixed mtimes give a reproducible image). Used for the embedded images and
 * by tests; entries are written verbatim, unsafe names included.
 */
export async function buildLayer(entries: readonly LayerEntry[], options: BuildLayerOptions = {}): Promise<BuiltLayer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    const header: Partial<tar.Header> & { name: string } = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      uname: '',
      gname: '',
      mtime: e.mtime ?? new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.devmajor !== undefined ? { devmajor: e.devmajor } : {}),
      ...(e.devminor !== undefined ? { devminor: e.devminor } : {}),
      ...(e.xattrs ? { pax: Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [`SCHILY.xattr.${k}`, v])) } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, data ?? Buffer.alloc(0), cb);
      else pack.entry(header, cb); // entries without a body finish by themselves
    });
  }
  pack.finalize();
  await collected;
  const tarBuf = Buffer.concat(chunks);
  const gzip = (options.compression ?? 'gzip') === 'gzip';
  const blob = gzip ? gzipSync(tarBuf, { level: 9 }) : tarBuf;
  const docker = options.format === 'docker';
  const mediaType = gzip
    ? docker
      ? MediaType.DockerLayerGzip
      : MediaType.OciLayerGzip
    : docker
      ? MediaType.DockerLayer
      : MediaType.OciLayer;
  return { tar: tarBuf, blob, diffId: sha256(tarBuf), descriptor: { mediaType, digest: sha256(blob), size: blob.length } };
}
