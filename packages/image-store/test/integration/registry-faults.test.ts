// Root: pulls that meet trouble — hostile registry answers, a connection
// dropped mid-layer, a puller killed with SIGKILL — and registry mirrors.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { ImageStore } from '../../src/image-store.js';
import { MediaType } from '../../src/oci/media-types.js';
import { isRoot } from '../helpers/mounts.js';
import type { RegistryServer } from '../support/registry.js';
import { startBlobProxy, type BlobProxyMode } from '../support/blob-proxy.js';
import { expectStoreConsistent, importAs, threeLayerImage, type TempStore } from '../support/stores.js';
import { onCleanup, registry, rejection, stopAfterEach, store } from '../support/fixtures.js';
import { makeImage } from '../helpers/image.js';
import { chainIds } from '../../src/unpack/unpacker.js';

const packageDir = join(import.meta.dirname, '../..');
stopAfterEach();

async function serve(handler: http.RequestListener): Promise<{ host: string; server: http.Server }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The shared blob proxy (support/blob-proxy.ts), closed after the test. */
async function blobProxy(target: RegistryServer, blob: string, mode: BlobProxyMode) {
  const proxy = await startBlobProxy(target, blob, mode);
  onCleanup(proxy.close);
  return proxy;
}

describe.skipIf(!isRoot)('pulls that meet trouble (needs root)', () => {
  it('resumes a layer with a Range request after the connection drops mid-layer', async () => {
    const reg = await registry();
    const image = await threeLayerImage('resume', 2 << 20);
    const big = image.manifest.layers[1]!;
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/resume:v1`);
    await src.store.push(`${reg.host}/ce/resume:v1`);

    const proxy = await blobProxy(reg, big.digest, { cutAfter: 1_500_000 });
    const dst = await store();
    const pulled = await dst.store.pull(`${proxy.host}/ce/resume:v1`);
    expect(pulled.image.id).toBe(image.configDigest);
    // The second request asks for the rest, from what had arrived (some of the cut bytes may not have).
    expect(proxy.ranges).toHaveLength(2);
    expect(proxy.ranges[0]).toBeUndefined();
    const from = Number(/^bytes=(\d+)-$/.exec(proxy.ranges[1] ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(1_500_000);
    await expectStoreConsistent(dst.root);
  });

  it('completes a pull whose first puller was killed with SIGKILL, resuming its partial layer', async () => {
    const reg = await registry();
    const image = await threeLayerImage('killed', 2 << 20);
    const big = image.manifest.layers[1]!;
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/killed:v1`);
    await src.store.push(`${reg.host}/ce/killed:v1`);

    const proxy = await blobProxy(reg, big.digest, { cutAfter: 1_500_000, stall: true });
    const dst = await store();
    const name = `${proxy.host}/ce/killed:v1`;
    // The library pull in a child process, from the built package.
    const script = `
      const { ImageStore } = await import(${JSON.stringify(join(packageDir, 'dist/index.js'))});
      const store = await ImageStore.open({ root: process.argv[1], syncLayers: false });
      await store.pull(process.argv[2]);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dst.root, name], { stdio: 'inherit' });
    onCleanup(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await proxy.stalled;
    // Wait until part of the layer is on disk in the resumable ingest (written 1 MiB at a time).
    const ingest = join(dst.root, 'ingest', `sha256-${big.digest.slice(7)}`);
    let have = 0;
    while (have === 0) {
      have = (await stat(ingest).catch(() => ({ size: 0 }))).size;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await once(child, 'exit');
    have = (await stat(ingest)).size;
    expect(await readdir(join(dst.root, 'ingest'))).toContain(`sha256-${big.digest.slice(7)}`);

    const reopened = await ImageStore.open({ root: dst.root, syncLayers: false });
    const pulled = await reopened.pull(name);
    expect(pulled.image.id).toBe(image.configDigest);
    expect(proxy.ranges).toEqual([undefined, `bytes=${have}-`]);
    await expectStoreConsistent(dst.root);
    // the store's own consistency check: no corrupt blob, dangling record, orphan snapshot, stale ingest or lease
    expect(await reopened.check()).toEqual([]);
  });

  it('retries answers 5xx with backoff, then goes on', async () => {
    const reg = await registry();
    const image = await threeLayerImage('retry');
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/retry:v1`);
    await src.store.push(`${reg.host}/ce/retry:v1`);
    let failures = 2;
    const seen: number[] = [];
    const { host } = await serve((req, res) => {
      if (req.url?.includes('/manifests/') && failures > 0) {
        failures--;
        seen.push(503);
        return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
      }
      seen.push(200);
      const upstream = http.request(`${reg.url}${req.url}`, { method: req.method, headers: { ...req.headers, host: reg.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    const dst = await store();
    expect((await dst.store.pull(`${host}/ce/retry:v1`)).image.id).toBe(image.configDigest);
    expect(seen.slice(0, 3)).toEqual([503, 503, 200]);
  });

  it('uses a mirror first, and the registry itself when the mirror lacks the image', async () => {
    const origin = await registry();
    const mirror = await registry();
    const src = await store();
    const onMirror = await threeLayerImage('on-mirror');
    const onOrigin = await threeLayerImage('on-origin');
    // The mirror holds an image under the origin's repository names; the origin does not have it.
    await importAs(src.store, onMirror, `${mirror.host}/ce/app:mirrored`);
    await src.store.push(`${mirror.host}/ce/app:mirrored`);
    await importAs(src.store, onOrigin, `${origin.host}/ce/app:origin-only`);
    await src.store.push(`${origin.host}/ce/app:origin-only`);

    const dst = await store({ registry: { mirrors: { [origin.host]: [`http://${mirror.host}`] } } });
    expect((await dst.store.pull(`${origin.host}/ce/app:mirrored`)).image.id).toBe(onMirror.configDigest);
    expect((await dst.store.pull(`${origin.host}/ce/app:origin-only`)).image.id).toBe(onOrigin.configDigest);
    await expectStoreConsistent(dst.root);
  });
});

describe.skipIf(!isRoot)('hostile registry answers (needs root)', () => {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256('missing config'), size: 14 },
    layers: [],
  });
  const manifestDigest = sha256(manifest);

  async function hostile(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    return serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      answer(req, res);
    });
  }

  async function expectNothingNamed(s: TempStore): Promise<void> {
    expect(await s.store.metadata.list()).toEqual([]);
    expect(await readdir(join(s.root, 'ingest'))).toEqual([]);
  }

  it('refuses a manifest whose content does not match the digest asked for or announced', async () => {
    const other = manifest.replace('"layers":[]', '"layers": []');
    const { host } = await hostile((req, res) => {
      res.writeHead(200, { 'content-type': MediaType.OciManifest, 'docker-content-digest': manifestDigest }).end(other);
    });
    const s = await store();
    const byDigest = await rejection(s.store.pull(`${host}/evil/app@${manifestDigest}`));
    expect(byDigest.code).toBe('InvalidArgument');
    expect(byDigest.message).toBe(
      `manifest ${host}/evil/app:${manifestDigest} from http://${host} does not match its digest: expected ${manifestDigest}, got ${sha256(other)}`,
    );
    const byTag = await rejection(s.store.pull(`${host}/evil/app:v1`));
    expect(byTag.message).toMatch(`does not match the digest the registry announced: Docker-Content-Digest ${manifestDigest}, content ${sha256(other)}`);
    await expectNothingNamed(s);
  });

  it('refuses a pulled layer with a device node unless the store allows devices', async () => {
    const reg = await registry();
    const image = await makeImage([[{ name: 'dev', type: 'directory' }, { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }]], {
      entrypoint: ['/bin/sh'],
    });
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/devices:v1`);
    await src.store.push(`${reg.host}/ce/devices:v1`);

    const strict = await store();
    const err = await rejection(strict.store.pull(`${reg.host}/ce/devices:v1`));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/dev\/null/);
    await expectNothingNamed(strict);

    const lax = await store({ allowDevices: true });
    const pulled = await lax.store.pull(`${reg.host}/ce/devices:v1`);
    expect(pulled.image.id).toBe(image.configDigest);
    const [chain] = chainIds(image.config.rootfs.diff_ids);
    const node = await stat(join(lax.store.snapshotter.fsPath(chain!), 'dev/null'));
    expect(node.isCharacterDevice()).toBe(true);
    expect(node.rdev).toBe(0x103);
  });

  it('reports a manifest naming a blob the registry does not have', async () => {
    const { host } = await hostile((req, res) => {
      if (req.url?.includes('/manifests/')) return void res.writeHead(200, { 'content-type': MediaType.OciManifest }).end(manifest);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
    });
    const s = await store();
    const err = await rejection(s.store.pull(`${host}/evil/app:v1`));
    expect(err.code).toBe('NotFound');
    expect(err.message).toBe(`blob ${sha256('missing config')} of ${host}/evil/app:v1 is missing from http://${host} (blob unknown to registry)`);
    await expectNothingNamed(s);
  });

  it('refuses a wrong media type and an oversized manifest', async () => {
    let mode: 'html' | 'announced' | 'chunked' = 'html';
    const { host } = await hostile((_req, res) => {
      if (mode === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      const huge = Buffer.alloc(5 << 20, 0x20);
      if (mode === 'announced') res.writeHead(200, { 'content-type': MediaType.OciManifest, 'content-length': huge.length });
      else res.writeHead(200, { 'content-type': MediaType.OciManifest, 'transfer-encoding': 'chunked' });
      res.end(huge);
    });
    const s = await store();
    const html = await rejection(s.store.pull(`${host}/evil/app:v1`));
    expect(html.message).toBe(`manifest ${host}/evil/app:v1 from http://${host} has media type "text/html", which is neither an image manifest nor an index`);
    mode = 'announced';
    const announced = await rejection(s.store.pull(`${host}/evil/app:v1`));
    expect(announced.message).toBe(`manifest ${host}/evil/app:v1 from http://${host} is 5242880 bytes, over the 4194304-byte limit for manifests`);
    // Without a Content-Length, reading stops at the limit.
    mode = 'chunked';
    const chunked = await rejection(s.store.pull(`${host}/evil/app:v1`));
    expect(chunked.message).toBe(`manifest ${host}/evil/app:v1 from http://${host} is over the 4194304-byte limit for manifests`);
    await expectNothingNamed(s);
  });
});
