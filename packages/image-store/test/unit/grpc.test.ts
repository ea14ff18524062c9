import { join } from 'node:path';
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

  it('carries the error vocabulary and message', async () => {
    const err = await client.get('nothere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect(err).toMatchObject({ code: 'NotFound', message: 'No such image: nothere:latest' });
    const bad = await client.importOciLayout(join(root.path, 'missing')).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'InvalidArgument' });
  });
});
