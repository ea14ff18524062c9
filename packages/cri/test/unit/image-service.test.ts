// ImageService over a fake of ced's image service, driven through the CRI
// socket with a client generated from the CRI schema: containerd's shapes
// and answers, and what reaches ced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePauseImage, PAUSE_IMAGE, pauseImageLayout, startCri, type CriServer } from '../../src/index.js';
import type { AuthConfig, Image, ImageStatusResponse, ListImagesResponse } from '../../src/gen/runtime/v1/api.js';
import { call, dialCri, failure, type CriClient } from '../support/cri-client.js';
import { fakeCe, imageId, type FakeCe } from '../support/fake-ce.js';

const BUSYBOX = imageId('a');
const APP = imageId('b');
const PAUSE = imageId('c');

let dir: string;
let fake: FakeCe;
let server: CriServer;
let cri: CriClient;
let measured: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ce-cri-unit-'));
  measured = [];
  fake = fakeCe([
    { names: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'], id: BUSYBOX, manifestDigest: imageId('1'), user: '' },
    { names: ['127.0.0.1:5000/team/app:v1', `127.0.0.1:5000/team/app@${imageId('2')}`], id: APP, manifestDigest: imageId('2'), user: '1000:1000', size: 4096 },
    { names: [PAUSE_IMAGE], id: PAUSE, manifestDigest: imageId('3'), user: 'nobody' },
  ]);
  server = await startCri({
    ceSocket: '/nonexistent/ce.sock',
    socket: join(dir, 'cri.sock'),
    stateDir: join(dir, 'cri'),
    cniConfDir: join(dir, 'net.d'),
    services: fake.services,
    diskUsage: async (path) => {
      measured.push(path);
      return { bytes: 123_456_789, inodes: 4321 };
    },
  });
  cri = dialCri(server.socket);
});

afterEach(async () => {
  cri.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (image: string) => ({ image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' });
const list = (image?: string) => call<ListImagesResponse>((cb) => cri.images.listImages({ filter: image === undefined ? undefined : { image: spec(image) } }, cb));
const imageStatus = (image: string, verbose = false) => call<ImageStatusResponse>((cb) => cri.images.imageStatus({ image: spec(image), verbose }, cb));
const pull = (image: string, auth?: Partial<AuthConfig>) =>
  call<{ imageRef: string }>((cb) =>
    cri.images.pullImage(
      {
        image: spec(image),
        auth: auth && { username: '', password: '', auth: '', serverAddress: '', identityToken: '', registryToken: '', ...auth },
        sandboxConfig: undefined,
      },
      cb,
    ),
  );
const remove = (image: string) => call((cb) => cri.images.removeImage({ image: spec(image) }, cb));

describe('ListImages', () => {
  it('gives one image per id, with every tag and repository digest, its user and size', async () => {
    const { images } = await list();
    const byId = new Map(images.map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual([BUSYBOX, APP, PAUSE].sort());
    expect(byId.get(BUSYBOX)).toEqual<Image>({
      id: BUSYBOX,
      repoTags: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'],
      repoDigests: [`docker.io/library/busybox@${imageId('1')}`],
      size: 1000n,
      uid: undefined,
      username: '',
      spec: spec(BUSYBOX),
      pinned: false,
    });
    expect(byId.get(APP)).toMatchObject({
      repoTags: ['127.0.0.1:5000/team/app:v1'],
      repoDigests: [`127.0.0.1:5000/team/app@${imageId('2')}`],
      size: 4096n,
      uid: { value: 1000n },
      username: '',
    });
  });

  it('pins the pause image, so that the kubelet never collects it', async () => {
    const { images } = await list();
    expect(images.find((i) => i.id === PAUSE)).toMatchObject({ pinned: true, username: 'nobody', uid: undefined, repoTags: [PAUSE_IMAGE] });
    expect(images.filter((i) => i.pinned).map((i) => i.id)).toEqual([PAUSE]);
  });

  it('filters by a reference, a short name or an id', async () => {
    expect((await list('busybox')).images.map((i) => i.id)).toEqual([BUSYBOX]);
    expect((await list('127.0.0.1:5000/team/app:v1')).images.map((i) => i.id)).toEqual([APP]);
    expect((await list(APP)).images.map((i) => i.id)).toEqual([APP]);
    expect((await list('nosuch:latest')).images).toEqual([]);
  });
});

describe('ImageStatus', () => {
  it('describes the image a name resolves to', async () => {
    const res = await imageStatus('busybox:1.36');
    expect(res.image?.id).toBe(BUSYBOX);
    expect(res.image?.repoTags).toContain('docker.io/library/busybox:1.36');
    expect(res.info).toEqual({});
  });

  it('answers an empty status, not an error, for an image that is not there', async () => {
    expect(await imageStatus('nosuch:latest')).toEqual({ image: undefined, info: {} });
  });

  it('gives the image config and manifest in verbose info', async () => {
    const res = await imageStatus('127.0.0.1:5000/team/app:v1', true);
    const info = JSON.parse(res.info.info!);
    expect(info).toEqual({
      id: APP,
      imageSpec: { architecture: 'amd64', os: 'linux', config: { User: '1000:1000' } },
      manifest: { digest: imageId('2'), mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      pinned: false,
    });
  });

  it('refuses a spec that names no image', async () => {
    const err = await failure(imageStatus(''));
    expect(err).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: 'the image spec names no image' });
  });
});

describe("ced's image service, asked no more than needed", () => {
  it("inspects each image's config once (its User), whatever the number of ListImages and ImageStatus", async () => {
    const inspected: string[] = [];
    const inspect = fake.services.images.inspect.bind(fake.services.images);
    fake.services.images.inspect = ((req: { reference: string }, cb: never) => {
      inspected.push(req.reference);
      return inspect(req as never, cb);
    }) as typeof inspect;
    for (let i = 0; i < 3; i++) {
      expect((await list()).images).toHaveLength(3);
      expect((await imageStatus('127.0.0.1:5000/team/app:v1')).image).toMatchObject({ id: APP, uid: { value: 1000n } });
    }
    expect(inspected.sort()).toEqual([BUSYBOX, APP, PAUSE].sort());
  });
});

describe('PullImage', () => {
  it('pulls through ced and answers the image id', async () => {
    const res = await pull('127.0.0.1:5000/team/new:v2');
    expect(res).toEqual({ imageRef: imageId('7') });
    expect(fake.pulls).toEqual([{ reference: '127.0.0.1:5000/team/new:v2', auth: undefined }]);
  });

  it('sends a username and password', async () => {
    await pull('127.0.0.1:5000/team/new:v2', { username: 'alice', password: 's3cret', serverAddress: '127.0.0.1:5000' });
    expect(fake.pulls[0]?.auth).toEqual({ username: 'alice', password: 's3cret', identityToken: '', registryToken: '' });
  });

  it('decodes auth (base64 user:password)', async () => {
    await pull('127.0.0.1:5000/team/new:v2', { auth: Buffer.from('bob:pa:ss').toString('base64') });
    expect(fake.pulls[0]?.auth).toEqual({ username: 'bob', password: 'pa:ss', identityToken: '', registryToken: '' });
  });

  it('sends an identity token, or a registry token', async () => {
    await pull('127.0.0.1:5000/team/new:v2', { identityToken: 'refresh-me' });
    await pull('127.0.0.1:5000/team/new:v2', { registryToken: 'bearer-me' });
    expect(fake.pulls.map((p) => p.auth)).toEqual([
      { username: '', password: '', identityToken: 'refresh-me', registryToken: '' },
      { username: '', password: '', identityToken: '', registryToken: 'bearer-me' },
    ]);
  });

  it('sends no credentials meant for another registry', async () => {
    await pull('127.0.0.1:5000/team/new:v2', { username: 'alice', password: 's3cret', serverAddress: 'https://registry.example:443/v1/' });
    expect(fake.pulls[0]?.auth).toBeUndefined();
  });

  it('treats docker.io and its index host as one registry', async () => {
    await pull('busybox:latest', { username: 'alice', password: 's3cret', serverAddress: 'https://index.docker.io/v1/' });
    expect(fake.pulls[0]?.auth?.username).toBe('alice');
  });

  it('refuses auth that does not decode to user:password', async () => {
    const err = await failure(pull('127.0.0.1:5000/team/new:v2', { auth: Buffer.from('no-colon').toString('base64') }));
    expect(err).toEqual({ code: grpcStatus.INVALID_ARGUMENT, details: 'auth: the decoded value is not "username:password"' });
    expect(fake.pulls).toEqual([]);
  });

  it('refuses a reference that is not one', async () => {
    const err = await failure(pull('Not/A:Valid:Ref'));
    expect(err.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(err.details).toContain('invalid reference format');
  });
});

describe('RemoveImage', () => {
  it('removes the image a tag names, with all its names', async () => {
    await remove('busybox:1.36');
    expect(fake.removals).toEqual([{ reference: BUSYBOX, force: true }]);
    expect((await list()).images.map((i) => i.id).sort()).toEqual([APP, PAUSE].sort());
  });

  it('removes by id and by digest reference', async () => {
    await remove(APP);
    expect((await list()).images.map((i) => i.id)).not.toContain(APP);
    await remove(`docker.io/library/busybox@${imageId('1')}`);
    expect((await list()).images.map((i) => i.id)).toEqual([PAUSE]);
  });

  it('succeeds for an image that is not there, as containerd', async () => {
    await expect(remove('nosuch:latest')).resolves.toEqual({});
    expect(fake.removals).toEqual([]);
  });
});

describe('ImageFsInfo', () => {
  it("measures ce's snapshot folder under ced's storage root", async () => {
    const before = Date.now();
    const res = await call<{ imageFilesystems: Array<{ timestamp: bigint; fsId?: { mountpoint: string }; usedBytes?: { value: bigint }; inodesUsed?: { value: bigint } }>; containerFilesystems: unknown[] }>((cb) =>
      cri.images.imageFsInfo({}, cb),
    );
    expect(measured).toEqual(['/var/lib/ce-fake/image-store/snapshots']);
    expect(res.imageFilesystems).toHaveLength(1);
    const [fs] = res.imageFilesystems;
    expect(fs).toMatchObject({ fsId: { mountpoint: '/var/lib/ce-fake/image-store/snapshots' }, usedBytes: { value: 123_456_789n }, inodesUsed: { value: 4321n } });
    // Nanoseconds since the epoch.
    const ms = Number(fs!.timestamp / 1_000_000n);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(res.containerFilesystems).toEqual([]);
  });
});

describe('the pause image', () => {
  it('is not imported by starting the CRI: ce users see no pause image until a pod needs it', () => {
    expect(fake.imports).toEqual([]);
  });

  it('is imported from the layout the build made when ced lacks it, once', async () => {
    const lacking = fakeCe([]);
    expect(await ensurePauseImage(lacking.services.images)).toBe(true);
    expect(await ensurePauseImage(lacking.services.images)).toBe(true);
    expect(lacking.imports).toEqual([{ path: pauseImageLayout, name: PAUSE_IMAGE }]);
    expect(pauseImageLayout).toMatch(/packages\/cri\/dist\/pause-image$/);
  });

  it('is reported missing when the layout was not built', async () => {
    const lacking = fakeCe([]);
    expect(await ensurePauseImage(lacking.services.images, join(dir, 'nosuch-layout'))).toBe(false);
    expect(lacking.imports).toEqual([]);
  });
});
