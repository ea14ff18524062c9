// Root: a pulled layer is extracted while it downloads (decision 0059). What
// a user would check: the same snapshots as an unpack from the content store;
// nothing committed from bytes that do not match their digest or from a
// corrupt layer; a dropped connection resumed into the same extraction; an
// abort that leaves only the resumable download.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { lgetxattr } from '@ce/native';
import type { Logger } from '@ce/protocol';
import { sha256 } from '../../src/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import { makeImage, type TestImage } from '../helpers/image.js';
import { isRoot } from '../helpers/mounts.js';
import { startBlobProxy } from '../support/blob-proxy.js';
import type { RegistryServer } from '../support/registry.js';
import { onCleanup, registry, rejection, stopAfterEach, store } from '../support/fixtures.js';
import { expectStoreConsistent, importAs, threeLayerImage, type TempStore } from '../support/stores.js';

stopAfterEach();

/**
 * Every path under `dir` with what a layer carries: type, mode, owner, size,
 * content, link target, device, opaque flag, and the times of files and
 * symlinks (those of whiteouts and of directories a layer implies are when they were made).
 */
async function describeTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, rel);
    const st = await lstat(path);
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `symlink ${await readlink(path)}` : st.isFile() ? 'file' : st.isCharacterDevice() ? `char ${st.rdev}` : 'other';
    const content = st.isFile() ? sha256(await readFile(path)) : '';
    const opaque = st.isDirectory() ? (lgetxattr(path, 'trusted.overlay.opaque')?.toString() ?? '') : '';
    const mtime = st.isFile() || st.isSymbolicLink() ? ` ${st.mtimeMs}` : '';
    out[rel] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${mtime} ${st.size} ${content}${opaque ? ` opaque=${opaque}` : ''}${st.isFile() ? ` links=${st.nlink}` : ''}`;
  }
  return out;
}

/** Each layer's snapshot, by chain id: its diff id label and its tree. */
async function snapshotsOf(s: TempStore, image: TestImage): Promise<Array<{ chainId: string; diffId?: string; tree: Record<string, string> }>> {
  return Promise.all(
    chainIds(image.config.rootfs.diff_ids).map(async (chainId) => {
      const info = s.store.snapshotter.list().find((sn) => sn.key === chainId);
      return { chainId, diffId: info?.labels['ce.layer.diffid'], tree: info ? await describeTree(s.store.snapshotter.fsPath(chainId)) : {} };
    }),
  );
}

const stagingDirs = async (s: TempStore) => (await readdir(join(s.root, 'snapshots'))).filter((n) => n.startsWith('tmp-unpack-'));

/** Bounded poll until a staging directory holds `file` with some bytes in it: its layer is being extracted. */
async function extractionUnderWay(s: TempStore, file: string): Promise<number> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    for (const dir of await stagingDirs(s)) {
      const size = (await stat(join(s.root, 'snapshots', dir, 'fs', file)).catch(() => undefined))?.size ?? 0;
      if (size > 0) return size;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no staging directory got ${file} within 10 s`);
}

/** A logger that keeps what the unpack pipeline says about each layer. */
function unpackLog(): { logger: Logger; unpacked: Array<{ layer: string; streamed: boolean }> } {
  const unpacked: Array<{ layer: string; streamed: boolean }> = [];
  const noop = () => undefined;
  const logger: Logger = {
    debug: noop,
    warn: noop,
    error: noop,
    info: (obj: unknown, msg?: string) => {
      const o = obj as { layer?: string; streamed?: boolean };
      if (msg === 'layer unpacked' && o.layer) unpacked.push({ layer: o.layer, streamed: !!o.streamed });
    },
  } as Logger;
  return { logger, unpacked };
}

/**
 * A registry of one image that serves `layerBytes` in place of each layer's
 * blob where given (same digest in the manifest, other bytes on the wire).
 */
async function staticRegistry(image: TestImage, layerBytes: Map<string, Buffer> = new Map()): Promise<string> {
  const blobs = new Map(image.blobs.map((b) => [sha256(b), b]));
  const manifest = image.blobs.at(-1)!;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    if (url.includes('/manifests/')) {
      return void res.writeHead(200, { 'content-type': MediaType.OciManifest, 'content-length': manifest.length }).end(manifest);
    }
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1];
    const body = digest && (layerBytes.get(digest) ?? blobs.get(digest));
    if (!body) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.skipIf(!isRoot)('layers unpacked while they download (needs root)', () => {
  it('gives the same snapshots and diff ids as an unpack from the content store', async () => {
    const reg = await registry();
    const image = await makeImage(
      [
        [
          { name: 'etc', type: 'directory', mode: 0o755 },
          { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
          { name: 'bin', type: 'directory' },
          { name: 'bin/tool', data: Buffer.alloc(3 << 20, 'tool binary '), mode: 0o4755, uid: 1000, gid: 1000, mtime: new Date('2023-05-06T07:08:09Z') },
          { name: 'bin/alias', type: 'link', linkname: 'bin/tool' },
          { name: 'bin/sh', type: 'symlink', linkname: 'tool' },
          { name: 'gone', data: 'removed by the next layer' },
          { name: 'opaque', type: 'directory' },
          { name: 'opaque/old', data: 'hidden' },
        ],
        [
          { name: '.wh.gone', data: '' },
          { name: 'opaque', type: 'directory' },
          { name: 'opaque/.wh..wh..opq', data: '' },
          { name: 'opaque/new', data: 'shown' },
          { name: 'fifo', type: 'fifo', mode: 0o600 },
          { name: 'big.bin', data: randomBytes(2 << 20) },
        ],
        [{ name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n', mode: 0o600 }],
      ],
      { entrypoint: ['/bin/sh'] },
    );
    const name = `${reg.host}/ce/equal:v1`;
    const src = await store();
    await importAs(src.store, image, name);
    await src.store.push(name);

    const log = unpackLog();
    const pulled = await store({ logger: log.logger });
    expect((await pulled.store.pull(name)).image.id).toBe(image.configDigest);
    // Every layer was extracted from its download, none read back from the content store.
    expect(log.unpacked).toHaveLength(3);
    expect(log.unpacked.every((u) => u.streamed)).toBe(true);

    const unpacked = await store();
    await importAs(unpacked.store, image, name);
    await unpacked.store.prepareRootfs('c1', name);

    const streamed = await snapshotsOf(pulled, image);
    expect(streamed.map((s) => s.diffId)).toEqual(image.config.rootfs.diff_ids);
    expect(streamed[0]!.tree['bin/tool']).toMatch(/^file 4755 1000:1000 1683356889000 3145728 sha256:[0-9a-f]{64} links=2$/);
    expect(streamed).toEqual(await snapshotsOf(unpacked, image));
    await expectStoreConsistent(pulled.root);
    expect(await stagingDirs(pulled)).toEqual([]);
  });

  it('commits nothing from a layer whose bytes do not match its digest, even when they unpack to the right diff id', async () => {
    const image = await threeLayerImage('mismatch', 1 << 20);
    const big = image.manifest.layers[1]!;
    // The same tar, gzip-compressed with another header time: a good layer, but not the one the manifest names.
    const other = Buffer.from(image.blobs[1]!);
    other.writeUInt32LE(other.readUInt32LE(4) + 1, 4);
    expect(other.length).toBe(big.size);
    const host = await staticRegistry(image, new Map([[big.digest, other]]));

    const log = unpackLog();
    const s = await store({ logger: log.logger });
    const err = await rejection(s.store.pull(`${host}/ce/mismatch:v1`));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toBe(
      `filesystem layer verification failed for digest ${big.digest} (from ${host}/ce/mismatch): digest mismatch: expected ${big.digest}, got ${sha256(other)}`,
    );
    // Its bytes were extracted, whole and with the right diff id, as they arrived; yet nothing of them was committed.
    expect(log.unpacked).toContainEqual({ layer: big.digest, streamed: true });
    // The layers below may be committed (they checked out); nothing from the bad one or above it.
    const [, chain1, chain2] = chainIds(image.config.rootfs.diff_ids);
    expect(s.store.snapshotter.has(chain1!)).toBe(false);
    expect(s.store.snapshotter.has(chain2!)).toBe(false);
    expect(await stagingDirs(s)).toEqual([]);
    expect(await s.store.metadata.list()).toEqual([]);
    expect(await readdir(join(s.root, 'ingest'))).toEqual([]);
  });

  it('stops at a layer that turns out corrupt mid-stream, leaving no snapshot and no staging directory', async () => {
    // A tar whose second header is damaged, after a first file of 2 MiB: the extraction fails in the middle,
    // after it started while the rest of the layer was still to come.
    const pack = tar.pack();
    pack.entry({ name: 'first.bin', mtime: new Date(0) }, randomBytes(2 << 20));
    pack.entry({ name: 'second.txt', mtime: new Date(0) }, 'second');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const tarBytes = Buffer.concat(chunks);
    const second = 512 + (2 << 20);
    expect(tarBytes.subarray(second, second + 10).toString()).toBe('second.txt');
    tarBytes.fill(0x7a, second + 148, second + 156); // its header checksum
    const blob = gzipSync(tarBytes);
    const diffId = sha256(tarBytes);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: sha256(blob), size: blob.length }],
      }),
    );
    const image = { blobs: [blob, config, manifest] } as unknown as TestImage;
    const host = await staticRegistry(image);
    // The first answer stops after 1.5 MB, before the bad header; the retry gets the rest.
    const proxy = await startBlobProxy({ url: `http://${host}`, host } as RegistryServer, sha256(blob), { cutAfter: 1_500_000, stall: true });
    onCleanup(proxy.close);

    const s = await store();
    const pulling = rejection(s.store.pull(`${proxy.host}/ce/corrupt:v1`));
    await proxy.stalled;
    expect(await extractionUnderWay(s, 'first.bin')).toBeGreaterThan(0);
    proxy.release();
    const err = await pulling;
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(new RegExp(`^layer ${sha256(blob)}: corrupt layer: `));
    expect(await stagingDirs(s)).toEqual([]);
    expect(s.store.snapshotter.list()).toEqual([]);
    expect(await s.store.metadata.list()).toEqual([]);
    // The blob itself checked out, so it stays in the content store (as before streaming); nothing is left in the ingest folder.
    expect(await s.store.content.exists(sha256(blob))).toBe(true);
    expect(await readdir(join(s.root, 'ingest'))).toEqual([]);
  });

  it('keeps extracting the same layer across a dropped connection resumed with a Range request', async () => {
    const reg = await registry();
    const image = await threeLayerImage('resumed', 3 << 20);
    const big = image.manifest.layers[1]!;
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/resumed:v1`);
    await src.store.push(`${reg.host}/ce/resumed:v1`);
    const proxy = await startBlobProxy(reg, big.digest, { cutAfter: 2_000_000, stall: true });
    onCleanup(proxy.close);

    const log = unpackLog();
    const s = await store({ logger: log.logger });
    const pulling = s.store.pull(`${proxy.host}/ce/resumed:v1`);
    pulling.catch(() => undefined);
    await proxy.stalled;
    // Part of the layer is unpacked while the rest of it has not arrived.
    expect(await extractionUnderWay(s, 'data.bin')).toBeGreaterThan(0);
    expect(s.store.snapshotter.has(chainIds(image.config.rootfs.diff_ids)[1]!)).toBe(false);
    proxy.release();

    expect((await pulling).image.id).toBe(image.configDigest);
    expect(proxy.ranges).toHaveLength(2);
    expect(proxy.ranges[0]).toBeUndefined();
    expect(proxy.ranges[1]).toMatch(/^bytes=\d+-$/);
    // One extraction, fed across both requests: no layer was read back from the content store.
    expect(log.unpacked.filter((u) => u.layer === big.digest)).toEqual([{ layer: big.digest, streamed: true }]);
    const unpacked = await store();
    await importAs(unpacked.store, image, 'ce/resumed:v1');
    await unpacked.store.prepareRootfs('c1', 'ce/resumed:v1');
    expect(await snapshotsOf(s, image)).toEqual(await snapshotsOf(unpacked, image));
    expect(await stagingDirs(s)).toEqual([]);
    await expectStoreConsistent(s.root);
  });

  it('leaves only the resumable download after an abort mid-layer; the next pull resumes it and unpacks from the blob', async () => {
    const reg = await registry();
    const image = await threeLayerImage('aborted', 3 << 20);
    const big = image.manifest.layers[1]!;
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/aborted:v1`);
    await src.store.push(`${reg.host}/ce/aborted:v1`);
    const proxy = await startBlobProxy(reg, big.digest, { cutAfter: 2_000_000, stall: true });
    onCleanup(proxy.close);

    const log = unpackLog();
    const s = await store({ logger: log.logger });
    const abort = new AbortController();
    // One layer at a time, so that the others are done (or not started) when the big one stalls.
    const pulling = s.store.pull(`${proxy.host}/ce/aborted:v1`, { signal: abort.signal, concurrency: 1 });
    pulling.catch(() => undefined);
    await proxy.stalled;
    await extractionUnderWay(s, 'data.bin');
    abort.abort();
    await expect(pulling).rejects.toThrow();
    const [chain0, chain1] = chainIds(image.config.rootfs.diff_ids);
    expect(await stagingDirs(s)).toEqual([]);
    expect(s.store.snapshotter.list().map((sn) => sn.key)).toEqual([chain0]);
    expect(await s.store.metadata.list()).toEqual([]);
    const ingest = await readdir(join(s.root, 'ingest'));
    expect(ingest).toEqual([`sha256-${big.digest.slice(7)}`]);
    const have = (await stat(join(s.root, 'ingest', ingest[0]!))).size;
    expect(have).toBeGreaterThan(0);
    proxy.release();

    expect((await s.store.pull(`${proxy.host}/ce/aborted:v1`)).image.id).toBe(image.configDigest);
    expect(proxy.ranges.at(-1)).toBe(`bytes=${have}-`);
    // The resumed layer was unpacked from its committed blob; the rest as it downloaded.
    expect(log.unpacked.filter((u) => u.layer === big.digest)).toEqual([{ layer: big.digest, streamed: false }]);
    expect(s.store.snapshotter.has(chain1!)).toBe(true);
    const unpacked = await store();
    await importAs(unpacked.store, image, 'ce/aborted:v1');
    await unpacked.store.prepareRootfs('c1', 'ce/aborted:v1');
    expect(await snapshotsOf(s, image)).toEqual(await snapshotsOf(unpacked, image));
    await expectStoreConsistent(s.root);
  });
});
