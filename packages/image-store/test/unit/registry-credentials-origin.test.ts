// Credentials go to the registry's own origin (and the token realm, for the
// token fetch) only: never to an upload Location or redirect on another host.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image-store.js';
import { RegistryTransport } from '../../src/registry/transport.js';
import { makeImage, tempDir } from '../helpers/image.js';
import { makeServerCert } from '../support/registry.js';

interface FakeServer {
  url: string;
  seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(address: string, handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<FakeServer> {
  const seen: FakeServer['seen'] = [];
  const srv = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => srv.listen(0, address, resolve));
  const server: FakeServer = {
    url: `http://${address}:${(srv.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => srv.close(() => r())),
  };
  servers.push(server);
  return server;
}

const creds = { username: 'alice', password: 's3cret' };
const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

/** A registry that wants basic auth and opens every upload on `uploadHost`. */
async function registryUploadingTo(uploadHost: () => string): Promise<FakeServer> {
  return serve('127.0.0.1', (req, res) => {
    if (req.headers.authorization !== basic) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      return;
    }
    if (req.method === 'POST') res.writeHead(202, { location: `${uploadHost()}/upload/1` }).end();
    else res.writeHead(200).end();
  });
}

describe('registry credentials stay with the registry', () => {
  it('sends no Authorization to an upload Location on another host', async () => {
    const foreign = await serve('127.0.0.2', (_req, res) => res.writeHead(201).end());
    const registry = await registryUploadingTo(() => foreign.url);
    const t = new RegistryTransport({ url: registry.url, registry: 'fake', mirror: false }, { credentials: creds, retries: 1 });
    try {
      const post = await t.request({ method: 'POST', path: '/v2/a/blobs/uploads/', scope: 'repository:a:push' });
      post.body.resume();
      expect(post.status).toBe(202);
      expect(registry.seen.at(-1)!.headers.authorization).toBe(basic);
      const put = await t.request({ method: 'PUT', path: String(post.headers.location), body: Buffer.from('x'), scope: 'repository:a:push' });
      put.body.resume();
      expect(put.status).toBe(201);
      expect(foreign.seen).toHaveLength(1);
      expect(foreign.seen[0]!.headers.authorization).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it('sends a configured registry token to the registry only, not to a redirect target', async () => {
    const storage = await serve('127.0.0.2', (_req, res) => res.writeHead(200).end('blob'));
    const registry = await serve('127.0.0.1', (_req, res) => res.writeHead(307, { location: `${storage.url}/blob` }).end());
    const t = new RegistryTransport({ url: registry.url, registry: 'fake', mirror: false }, { credentials: { registryToken: 'tok' }, retries: 1 });
    try {
      const res = await t.request({ method: 'GET', path: '/v2/a/blobs/sha256:00', scope: 'repository:a:pull' });
      res.body.resume();
      expect(res.status).toBe(200);
      expect(registry.seen[0]!.headers.authorization).toBe('Bearer tok');
      expect(storage.seen[0]!.headers.authorization).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it('sends the basic credentials to the token realm, and the token (not the credentials) to the registry', async () => {
    const realm = await serve('127.0.0.2', (req, res) => {
      res.writeHead(req.headers.authorization === basic ? 200 : 401, { 'content-type': 'application/json' }).end('{"token":"issued"}');
    });
    const registry = await serve('127.0.0.1', (req, res) => {
      if (req.headers.authorization === 'Bearer issued') res.writeHead(200).end();
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="fake"` }).end();
    });
    const t = new RegistryTransport({ url: registry.url, registry: 'fake', mirror: false }, { credentials: creds, retries: 1 });
    try {
      const res = await t.request({ method: 'GET', path: '/v2/', scope: '' });
      res.body.resume();
      expect(res.status).toBe(200);
      expect(realm.seen.map((r) => r.headers.authorization)).toEqual([basic]);
      expect(registry.seen.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer issued']);
    } finally {
      t.close();
    }
  });

  it('refuses a plain-http upload Location named by an https registry, before connecting', async () => {
    const plain = await serve('127.0.0.1', (_req, res) => res.writeHead(201).end());
    const t = new RegistryTransport({ url: 'https://127.0.0.1:1', registry: 'fake', mirror: false }, { credentials: creds, retries: 1 });
    try {
      await expect(t.request({ method: 'PUT', path: `${plain.url}/upload/1`, scope: 'repository:a:push' })).rejects.toThrow(
        `refusing the request to ${plain.url}/upload/1: the registry https://127.0.0.1:1 is served over https, but it named a plain http URL`,
      );
      expect(plain.seen).toHaveLength(0);
    } finally {
      t.close();
    }
  });
});

describe('an https registry', () => {
  it('is not followed to a plain-http token realm: the credentials never go there', async () => {
    const { caPem, certPem, keyPem } = await makeServerCert();
    const realm = await serve('127.0.0.1', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'));
    const srv = https.createServer({ cert: certPem, key: keyPem }, (_req, res) =>
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="fake"` }).end(),
    );
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const t = new RegistryTransport({ url, registry: 'fake', mirror: false, ca: [caPem] }, { credentials: creds, retries: 1 });
    try {
      await expect(t.request({ method: 'GET', path: '/v2/', scope: '' })).rejects.toThrow(
        `refusing the token request to ${realm.url}/token: the registry ${url} is served over https, but it named a plain http URL`,
      );
      expect(realm.seen).toHaveLength(0);
    } finally {
      t.close();
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('a push whose registry hands the upload to another host', () => {
  it('uploads there without the credentials, and completes', async () => {
    const image = await makeImage([[{ name: 'hello', data: 'hi' }]]);
    const uploads: string[] = [];
    const foreign = await serve('127.0.0.2', (req, res) => {
      uploads.push(req.url!);
      res.writeHead(201).end();
    });
    const registry = await serve('127.0.0.1', (req, res) => {
      if (req.headers.authorization !== basic) res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      else if (req.method === 'HEAD') res.writeHead(404).end();
      else if (req.method === 'POST') res.writeHead(202, { location: `${foreign.url}/upload/${uploads.length}` }).end();
      else if (req.method === 'PUT' && req.url!.includes('/manifests/')) res.writeHead(201).end();
      else res.writeHead(400).end();
    });
    const dir = await tempDir('ce-push-foreign-');
    try {
      const store = await ImageStore.open({ root: dir.path, syncLayers: false });
      for (const blob of image.blobs) await store.content.ingest(blob);
      const name = `${new URL(registry.url).host}/team/app:v1`;
      await store.metadata.put({ name, target: image.manifestDescriptor, labels: {} });
      const pushed = await store.push(name, { credentials: creds });
      expect(pushed.digest).toBe(image.manifestDescriptor.digest);
      expect(uploads).toHaveLength(2); // config and layer
      expect(foreign.seen.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
      expect(registry.seen.filter((r) => r.headers.authorization !== undefined).every((r) => r.headers.authorization === basic)).toBe(true);
    } finally {
      await dir.cleanup();
    }
  });
});

