import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError, serveUnix, type UnixServer } from '@ce/protocol';
import { ImagesGrpcClient } from '../../src/grpc/client.js';
import { imagesGrpcService } from '../../src/grpc/server.js';
import { ImageStore } from '../../src/image-store.js';
import { makeImage, tempDir, writeImageLayout } from '../helpers/image.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;
let server: UnixServer;
let client: ImagesGrpcClient;
let layout: string;

beforeEach(async () => {
  root = await tempDir();
  store = await ImageStore.open({ root: join(root.path, 'store') });
  server = await serveUnix(join(root.path, 'images.sock'), [imagesGrpcService(store)]);
  client = new ImagesGrpcClient(server.path);
  const image = await makeImage([[{ name: 'hello', data: 'hi', mode: 0o755 }]], { entrypoint: ['/hello'] });
  layout = await writeImageLayout(image, 'docker.io/library/hello-world:latest');
});
afterEach(async () => {
  client.close();
  await server.close(0);
  await root.cleanup();
  const { rm } = await import('node:fs/promises');
  await rm(layout, { recursive: true, force: true });
});

describe('ce.images.v1 over a unix socket', () => {
  it('gives a remote client the same answers as the local store', async () => {
    const [remote] = await client.importOciLayout(layout);
    const local = await store.get('hello-world');
    const { config: _config, ...info } = local;
    expect(remote).toEqual(info);
    expect(await client.get('hello-world')).toEqual(info);
    expect(await client.list()).toEqual([info]);
    expect(await client.remove('hello-world')).toEqual({ untagged: ['hello-world:latest'], deleted: [local.id] });
    expect(await client.list()).toEqual([]);
  });

  it('ends a load the daemon rejected mid-upload with the daemon\'s error, not a hang', { timeout: 60_000 }, async () => {
    // 256 MiB of text: far more than the call's flow-control window, so the upload is still going when the daemon refuses it.
    const junk = Buffer.alloc(1 << 20, 'not a tar archive ');
    const sent = { chunks: 0 };
    async function* notATar() {
      for (; sent.chunks < 256; sent.chunks++) yield junk;
    }
    const err = await client.load(notATar()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect(err).toMatchObject({ code: 'InvalidArgument' });
    expect((err as CeError).message).toMatch(/tar/);
    expect(sent.chunks).toBeLessThan(256); // it stopped reading the source
    expect(await client.list()).toEqual([]);
  });

  it('ends a save whose output fails instead of waiting for a drain that never comes', { timeout: 60_000 }, async () => {
    await store.importOciLayout(layout);
    const out = new Writable({ highWaterMark: 1, write: (_chunk, _enc, cb) => setImmediate(() => cb(new Error('disk full'))) });
    out.on('error', () => undefined);
    const err = await client.save(['hello-world'], out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/disk full|closed before everything was written/);
  });

  it('carries the error vocabulary and message', async () => {
    const err = await client.get('nothere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect(err).toMatchObject({ code: 'NotFound', message: 'No such image: nothere:latest' });
    const bad = await client.importOciLayout(join(root.path, 'missing')).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'InvalidArgument' });
  });

  it('loads, tags, saves, inspects, reports disk usage and prunes through the service', async () => {
    await store.importOciLayout(layout);
    const local = new PassThrough();
    const localBytes = collect(local);
    await store.save(['hello-world'], local);
    const archive = await localBytes;

    const remoteOut = new PassThrough();
    const remoteBytes = collect(remoteOut);
    await client.save(['hello-world'], remoteOut);
    remoteOut.end();
    expect((await remoteBytes).equals(archive)).toBe(true);

    await store.remove('hello-world');
    // Sent in 1 MiB messages whatever the chunking of the source.
    const loaded = await client.load(Readable.from([archive.subarray(0, 100), archive.subarray(100)]));
    expect(loaded.map((i) => i.name)).toEqual(['docker.io/library/hello-world:latest']);
    expect((await client.tag('hello-world', 'example.com/hello:v2')).name).toBe('example.com/hello:v2');
    const details = await client.details('hello-world');
    expect(details.repoTags).toEqual(['hello-world:latest', 'example.com/hello:v2']);
    expect(JSON.parse(details.config.toString()).config.Entrypoint).toEqual(['/hello']);
    expect(details.manifestDescriptor.digest).toBe(loaded[0]!.target.digest);
    expect(await client.diskUsage()).toEqual({ ...(await store.diskUsage()) });
    const pruned = await client.prune({ all: true });
    expect(pruned.untagged.sort()).toEqual(['example.com/hello:v2', 'hello-world:latest']);
    expect(pruned.reclaimedBytes).toBeGreaterThan(0);

    const bad = await client.load(Readable.from([Buffer.from('not a tar at all, just text')])).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'InvalidArgument' });
    const missing = await client.save(['nothere'], new PassThrough()).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'NotFound', message: 'No such image: nothere:latest' });
  });
});

async function collect(stream: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
