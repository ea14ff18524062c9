// Root: push and pull against Debian's docker-registry (distribution 2.8) on
// loopback, with no auth, htpasswd basic auth, token auth, and TLS.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LeaseManager, LeaseResource } from '../../src/leases/types.js';
import type { ProgressEvent } from '../../src/registry/types.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import { sha256 } from '../../src/digest.js';
import { buildImage } from '../../src/layout/build-image.js';
import { ImageStore } from '../../src/image-store.js';
import { MediaType } from '../../src/oci/media-types.js';
import { blobOf } from '../helpers/archive.js';
import { makeImage } from '../helpers/image.js';
import { isRoot } from '../helpers/mounts.js';
import { makeServerCert, startTokenServer, type RegistryServer } from '../support/registry.js';
import { expectStoreConsistent, importAs, threeLayerImage, type openTempStore } from '../support/stores.js';
import { onCleanup, registry, rejection, stopAfterEach, store } from '../support/fixtures.js';

stopAfterEach();

/** Pushes a fresh image from one store and pulls it into another; checks what arrived. */
async function roundTrip(reg: RegistryServer, registryOptions: Parameters<typeof openTempStore>[0] = {}) {
  const image = await threeLayerImage('roundtrip');
  const name = `${reg.host}/ce/roundtrip:v1`;
  const src = await store(registryOptions);
  await importAs(src.store, image, name);
  const pushEvents: ProgressEvent[] = [];
  const pushed = await src.store.push(name, { onProgress: (e) => pushEvents.push(e) });
  expect(pushed.digest).toBe(image.manifestDescriptor.digest);
  expect(pushEvents.filter((e) => e.status === 'Pushed')).toHaveLength(3);

  const dst = await store(registryOptions);
  const events: ProgressEvent[] = [];
  const pulled = await dst.store.pull(name, { onProgress: (e) => events.push(e) });
  expect(pulled).toMatchObject({ name: `${reg.host}/ce/roundtrip:v1`, digest: image.manifestDescriptor.digest, updated: true });
  expect(pulled.image.id).toBe(image.configDigest);
  expect(pulled.image.config.config?.Entrypoint).toEqual(['/hello']);
  for (const layer of image.manifest.layers) {
    const id = layer.digest.slice(7, 19);
    const statuses = events.filter((e) => e.id === id).map((e) => e.status);
    const steps = statuses.filter((st, i) => st !== statuses[i - 1]);
    expect(steps).toEqual(['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']);
  }
  // The layers are unpacked: the top snapshot has the image's file.
  const top = dst.store.snapshotter.list().find((s) => s.labels['ce.layer.digest'] === image.manifest.layers[2]!.digest)!;
  expect(await readFile(join(dst.store.snapshotter.fsPath(top.key), 'hello'), 'utf8')).toBe('hello from roundtrip\n');
  await expectStoreConsistent(dst.root);

  // A second pull finds everything there.
  const again: ProgressEvent[] = [];
  const second = await dst.store.pull(name, { onProgress: (e) => again.push(e) });
  expect(second.updated).toBe(false);
  expect(again.map((e) => e.status)).toEqual(['Already exists', 'Already exists', 'Already exists']);
  return { image, name, src, dst };
}

describe.skipIf(!isRoot)('push and pull with docker-registry (needs root)', () => {
  it('round-trips an image with no auth, and a second push finds every layer there', async () => {
    const reg = await registry();
    const { src, name } = await roundTrip(reg);
    const events: ProgressEvent[] = [];
    await src.store.push(name, { onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.status === 'Layer already exists')).toHaveLength(3);
  });

  it('holds a lease on everything the pull commits until the image is named, then releases it', async () => {
    const reg = await registry();
    const image = await threeLayerImage('lease');
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/lease:v1`);
    await src.store.push(`${reg.host}/ce/lease:v1`);
    const held: LeaseResource[] = [];
    const log: string[] = [];
    const leases: LeaseManager = {
      async create(options) {
        log.push(`create ${options?.reason}`);
        return {
          id: 'lease-1',
          add: async (r) => void held.push(r),
          release: async () => void log.push(`release; named: ${(await dst.store.metadata.list()).length}`),
        };
      },
    };
    const dst = await store();
    await dst.store.pull(`${reg.host}/ce/lease:v1`, { leases });
    // Named by tag and by digest (Docker's RepoDigests) before the lease goes.
    expect(log).toEqual([`create pull ${reg.host}/ce/lease:v1`, 'release; named: 2']);
    const content = held.filter((r) => r.kind === 'content').map((r) => r.id);
    for (const d of [image.manifestDescriptor.digest, image.configDigest, ...image.manifest.layers.map((l) => l.digest)]) expect(content).toContain(d);
    // layers are staged concurrently, so their snapshots join the lease in any order
    expect(held.filter((r) => r.kind === 'snapshot').map((r) => r.id).sort()).toEqual([...chainIds(image.config.rootfs.diff_ids)].sort());
    expect(held.filter((r) => r.kind === 'ingest')).toHaveLength(4);
  });

  it('leases each blob and snapshot before it looks for it or commits it, in the store\'s own leases as well as a caller\'s', async () => {
    const reg = await registry();
    const image = await threeLayerImage('order');
    const src = await store();
    const name = `${reg.host}/ce/order:v1`;
    await importAs(src.store, image, name);
    await src.store.push(name);
    const dst = await store();
    // The first layer is there already (shared with another image): the pull finds it rather than fetching it.
    await dst.store.content.ingest(blobOf(image, image.manifest.layers[0]!.digest));
    const log: string[] = [];
    const { content, snapshotter } = dst.store;
    const exists = content.exists.bind(content);
    content.exists = async (digest) => (log.push(`look content ${digest}`), exists(digest));
    const commitFile = content.commitFile.bind(content);
    content.commitFile = async (path, digest, size) => (log.push(`commit content ${digest}`), commitFile(path, digest, size));
    const has = snapshotter.has.bind(snapshotter);
    snapshotter.has = (key) => (log.push(`look snapshot ${key}`), has(key));
    const createCommitted = snapshotter.createCommitted.bind(snapshotter);
    snapshotter.createCommitted = async (key, ...rest) => (log.push(`commit snapshot ${key}`), createCommitted(key, ...rest));
    let ownAtRelease: Awaited<ReturnType<typeof dst.store.leases.protectedResources>> | undefined;
    const leases: LeaseManager = {
      async create() {
        return {
          id: 'caller',
          add: async (r) => void log.push(`lease ${r.kind} ${r.id}`),
          release: async () => void (ownAtRelease = await dst.store.leases.protectedResources()),
        };
      },
    };
    await dst.store.pull(name, { leases });

    const lookedOrCommitted = log.filter((e) => e.startsWith('look ') || e.startsWith('commit '));
    expect(lookedOrCommitted.filter((e) => e.startsWith('commit content'))).toHaveLength(4); // manifest, config, two layers
    expect(lookedOrCommitted.filter((e) => e.startsWith('commit snapshot'))).toHaveLength(3);
    for (const [i, entry] of log.entries()) {
      if (!entry.startsWith('look ') && !entry.startsWith('commit ')) continue;
      const leased = `lease ${entry.split(' ').slice(1).join(' ')}`;
      expect(log.indexOf(leased), `${entry} (entry ${i}) after its lease`).toBeGreaterThanOrEqual(0);
      expect(log.indexOf(leased), `${entry} (entry ${i}) after its lease`).toBeLessThan(i);
    }
    // The store's own lease (what gc and check consult) held the same, and is gone after the pull.
    const blobs = [image.manifestDescriptor.digest, image.configDigest, ...image.manifest.layers.map((l) => l.digest)];
    for (const d of blobs) expect(ownAtRelease!.content.has(d)).toBe(true);
    for (const c of chainIds(image.config.rootfs.diff_ids)) expect(ownAtRelease!.snapshot.has(c)).toBe(true);
    expect(await dst.store.leases.list()).toEqual([]);
    await expectStoreConsistent(dst.root);
  });

  it('pushes a multi-platform index and pulls the platform asked for (default: the store\'s)', async () => {
    const reg = await registry();
    const amd = await makeImage([[{ name: 'arch', data: 'amd64\n' }]], { entrypoint: ['/arch'] });
    const arm = await buildImage([[{ name: 'arch', data: 'arm64\n' }]], { config: { Entrypoint: ['/arch'] }, architecture: 'arm64', created: new Date('2024-01-01T00:00:00Z') });
    const armDesc = { ...arm.manifestDescriptor, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
    const amdDesc = { ...amd.manifestDescriptor, platform: { os: 'linux', architecture: 'amd64' } };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [amdDesc, armDesc] }));
    const src = await store({ platform: { os: 'linux', architecture: 'amd64' } });
    for (const blob of [...amd.blobs, ...arm.blobs, index]) await src.store.content.ingest(blob);
    const name = `${reg.host}/ce/multi:v1`;
    await src.store.metadata.put({ name, target: { mediaType: MediaType.OciIndex, digest: sha256(index), size: index.length }, labels: {} });
    expect((await src.store.push(name)).digest).toBe(sha256(index));

    const dst = await store({ platform: { os: 'linux', architecture: 'amd64' } });
    const native = await dst.store.pull(name);
    expect(native).toMatchObject({ digest: sha256(index) });
    expect(native.image).toMatchObject({ id: amd.configDigest, target: { digest: sha256(index) } });
    const armDst = await store({ platform: { os: 'linux', architecture: 'amd64' } });
    const foreign = await armDst.store.pull(name, { platform: { os: 'linux', architecture: 'arm64' } });
    // Named by its manifest: the store's own platform would pick amd64 from the index.
    expect(foreign.image).toMatchObject({ id: arm.manifest.config.digest, target: { digest: arm.manifestDescriptor.digest } });
    const none = await rejection(armDst.store.pull(name, { platform: { os: 'linux', architecture: 's390x' } }));
    expect(none.message).toBe(`no matching manifest for linux/s390x in the manifest list entries of ${name} (it has: linux/amd64, linux/arm64/v8)`);
  });

  it('uploads in chunks (POST, PATCH…, PUT) and mounts blobs across repositories', async () => {
    const reg = await registry();
    const image = await threeLayerImage('chunks', 300 * 1024);
    const src = await store();
    await importAs(src.store, image, `${reg.host}/ce/first:v1`);
    await src.store.push(`${reg.host}/ce/first:v1`, { chunkSize: 64 * 1024 });
    // The same image under another repository: every layer is mounted, none uploaded.
    await src.store.tag(`${reg.host}/ce/first:v1`, `${reg.host}/ce/second:v1`);
    const events: ProgressEvent[] = [];
    await src.store.push(`${reg.host}/ce/second:v1`, { onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.status === 'Mounted from ce/first')).toHaveLength(3);
    expect(events.some((e) => e.status === 'Pushing')).toBe(false);
    const dst = await store();
    const pulled = await dst.store.pull(`${reg.host}/ce/second:v1`);
    expect(pulled.image.id).toBe(image.configDigest);
    await expectStoreConsistent(dst.root);
  });

  it('pulls by digest, and reports an unknown tag as Docker does', async () => {
    const reg = await registry();
    const { image, dst } = await roundTrip(reg);
    const byDigest = await dst.store.pull(`${reg.host}/ce/roundtrip@${image.manifestDescriptor.digest}`);
    expect(byDigest.name).toBe(`${reg.host}/ce/roundtrip@${image.manifestDescriptor.digest}`);
    const err = await rejection(dst.store.pull(`${reg.host}/ce/roundtrip:nope`));
    expect(err.code).toBe('NotFound');
    expect(err.message).toMatch(`manifest for ${reg.host}/ce/roundtrip:nope not found: manifest unknown`);
  });

  it("names a pushed or pulled image by the registry's manifest digest too, as Docker's RepoDigests, kept across a reopen", async () => {
    const reg = await registry();
    const { image, name, src, dst } = await roundTrip(reg);
    const digestName = `${reg.host}/ce/roundtrip@${image.manifestDescriptor.digest}`;
    for (const s of [src, dst]) {
      const details = await s.store.details(name);
      expect(details.repoTags).toEqual([`${reg.host}/ce/roundtrip:v1`]);
      expect(details.repoDigests).toEqual([digestName]);
    }
    // The digest name is a record of the store's: a reopened store has it, and it runs by that name.
    const reopened = await ImageStore.open({ root: dst.root, syncLayers: false });
    expect((await reopened.details(digestName)).repoDigests).toEqual([digestName]);
    expect((await reopened.get(digestName)).id).toBe(image.configDigest);
    // A pull by that digest finds it there.
    expect(await reopened.pull(digestName)).toMatchObject({ name: digestName, digest: image.manifestDescriptor.digest, updated: false });
    // docker rmi of the repository's last tag takes its digest names with it, and then the image.
    expect(await reopened.remove(name)).toEqual({ untagged: [`${reg.host}/ce/roundtrip:v1`, digestName], deleted: [image.configDigest] });
    expect(await reopened.metadata.list()).toEqual([]);
  });

  it('uses htpasswd basic auth: refused without credentials, round-trips with them', async () => {
    const user = { username: 'ce-user', password: 'pa55:word' };
    const reg = await registry({ basic: user });
    const anon = await store();
    const image = await threeLayerImage('basic');
    await importAs(anon.store, image, `${reg.host}/ce/basic:v1`);
    const denied = await rejection(anon.store.push(`${reg.host}/ce/basic:v1`));
    expect(denied.code).toBe('PermissionDenied');
    const wrong = await rejection(anon.store.pull(`${reg.host}/ce/basic:v1`, { credentials: { username: 'ce-user', password: 'bad' } }));
    expect(wrong.code).toBe('PermissionDenied');
    expect(wrong.message).toMatch(/pull access denied for .*ce\/basic/);
    await roundTrip(reg, { registry: { credentials: { [reg.host]: user } } });
  });

  it('uses bearer tokens from a token server, reusing one token per scope', async () => {
    const user = { username: 'ce-user', password: 'tok-secret' };
    const tokens = await startTokenServer(user);
    onCleanup(() => tokens.stop());
    const reg = await registry({ token: tokens });
    const anon = await store();
    const image = await threeLayerImage('token');
    await importAs(anon.store, image, `${reg.host}/ce/token:v1`);
    const denied = await rejection(anon.store.push(`${reg.host}/ce/token:v1`));
    expect(denied.code).toBe('PermissionDenied');
    tokens.requests.length = 0;
    await roundTrip(reg, { registry: { credentials: () => user } });
    // One token per scope for each operation, shared by its concurrent requests: the push, then two pulls.
    expect(tokens.requests.map((r) => r.scopes.join(' '))).toEqual([
      'repository:ce/roundtrip:pull,push',
      'repository:ce/roundtrip:pull',
      'repository:ce/roundtrip:pull',
    ]);
    expect(tokens.requests.every((r) => r.ok && r.account === 'ce-user')).toBe(true);
  });

  it('pulls over TLS with the CA configured (option or certs.d), and fails clearly without it', async () => {
    const certs = await makeServerCert();
    // [::1] is loopback but not insecure by default (Docker's default is 127.0.0.0/8 only): HTTPS is required.
    const reg = await registry({ tls: { certPem: certs.certPem, keyPem: certs.keyPem }, ipv6: true });
    const name = `${reg.host}/ce/tls:v1`;
    const image = await threeLayerImage('tls');
    const src = await store({ registry: { ca: certs.caPem } });
    await importAs(src.store, image, name);
    await src.store.push(name);

    const certsDir = join(src.root, '..', 'certs.d');
    await mkdir(join(certsDir, reg.host), { recursive: true });
    await writeFile(join(certsDir, reg.host, 'ca.crt'), certs.caPem);
    const viaCertsDir = await store({ registry: { certsDir } });
    expect((await viaCertsDir.store.pull(name)).image.id).toBe(image.configDigest);

    const noCa = await store({ registry: { certsDir: join(src.root, 'no-such-dir') } });
    const err = await rejection(noCa.store.pull(name));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toMatch(`Get "https://${reg.host}/v2/ce/tls/manifests/v1": tls: failed to verify certificate: x509: certificate signed by unknown authority`);
    expect(err.message).toContain(`/etc/docker/certs.d/${reg.host}/ca.crt`);
    expect(await noCa.store.metadata.list()).toEqual([]);
  });
});
