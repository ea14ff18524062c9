import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { parseChallenges, parseTokenResponse } from '../../src/registry/auth.js';
import { dockerConfigPath, readCredentials, removeCredentials, saveCredentials } from '../../src/registry/docker-config.js';
import { isInsecureRegistry, resolveEndpoints } from '../../src/registry/endpoints.js';
import { progressStream } from '../../src/grpc/progress-stream.js';
import { tempDir } from '../helpers/image.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-registry-unit-');
});
afterEach(() => dir.cleanup());

describe('WWW-Authenticate challenges', () => {
  it('reads a bearer challenge with quoted parameters, commas and escapes inside', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="say \\"hi\\""')).toEqual([{ scheme: 'basic', params: { realm: 'say "hi"' } }]);
  });

  it('reads several challenges in one header or several headers', () => {
    expect(parseChallenges(['Basic realm="r1"', 'Bearer realm="https://t",service=s']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parseChallenges('Basic realm="r1", Bearer realm="https://t", service="s"')).toEqual([
      { scheme: 'basic', params: { realm: 'r1' } },
      { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
  });

  it('takes token or access_token from a token answer and says what is wrong otherwise', () => {
    expect(parseTokenResponse(Buffer.from('{"access_token":"abc","expires_in":120}'), 'r', 0)).toEqual({ token: 'abc', expiresAt: 115_000 });
    expect(parseTokenResponse(Buffer.from('{"token":"t"}'), 'r', 0).token).toBe('t');
    expect(() => parseTokenResponse(Buffer.from('{}'), 'https://t')).toThrow('the token server https://t answered without a token (neither "token" nor "access_token")');
    expect(() => parseTokenResponse(Buffer.from('<html>'), 'https://t')).toThrow('answered with something other than JSON');
  });
});

describe('registry endpoints', () => {
  it('uses plain HTTP for localhost, 127.0.0.0/8 and configured insecure registries only', () => {
    expect(isInsecureRegistry('localhost:5000')).toBe(true);
    expect(isInsecureRegistry('127.1.2.3:5000')).toBe(true);
    expect(isInsecureRegistry('[::1]:5000')).toBe(false);
    expect(isInsecureRegistry('registry.example:5000')).toBe(false);
    expect(isInsecureRegistry('registry.example:5000', ['registry.example:5000'])).toBe(true);
    expect(isInsecureRegistry('registry.example:5000', ['registry.example'])).toBe(true);
    expect(isInsecureRegistry('10.1.2.3:5000', ['10.0.0.0/8'])).toBe(true);
    expect(isInsecureRegistry('11.1.2.3:5000', ['10.0.0.0/8'])).toBe(false);
  });

  it('tries mirrors in order, then the registry (docker.io at registry-1.docker.io)', async () => {
    const eps = await resolveEndpoints('docker.io', { mirrors: { 'docker.io': ['https://m1.example', 'localhost:5001'] }, certsDir: dir.path });
    expect(eps.map((e) => [e.url, e.mirror])).toEqual([
      ['https://m1.example', true],
      ['http://localhost:5001', true],
      ['https://registry-1.docker.io', false],
    ]);
    expect((await resolveEndpoints('127.0.0.1:5000', {}))[0]!.url).toBe('http://127.0.0.1:5000');
    await expect(resolveEndpoints('docker.io', { mirrors: { 'docker.io': ['ftp://m'] } })).rejects.toThrow(
      'invalid mirror of docker.io "ftp://m": only http and https are supported',
    );
  });

  it("trusts the CAs in <certsDir>/<host:port>/*.crt, as Docker's certs.d", async () => {
    await mkdir(join(dir.path, 'reg.example:5000'));
    await writeFile(join(dir.path, 'reg.example:5000', 'ca.crt'), 'PEM-A');
    await writeFile(join(dir.path, 'reg.example:5000', 'client.key'), 'not a CA');
    const [ep] = await resolveEndpoints('reg.example:5000', { certsDir: dir.path });
    expect(ep!.ca?.map(String).filter((c) => c.startsWith('PEM'))).toEqual(['PEM-A']);
    const [plain] = await resolveEndpoints('other.example', { certsDir: dir.path });
    expect(plain!.ca).toBeUndefined();
  });
});

describe('docker-format config.json credentials', () => {
  it('is found at $DOCKER_CONFIG/config.json, else ~/.docker/config.json', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/cfg', HOME: '/home/u' })).toBe('/cfg/config.json');
    expect(dockerConfigPath({ HOME: '/home/u' })).toBe('/home/u/.docker/config.json');
  });

  it('saves as docker login does, keeps other settings, reads auth or username/password, removes', async () => {
    const path = join(dir.path, 'config.json');
    await writeFile(path, JSON.stringify({ credsStore: '', auths: { 'other:1': { username: 'o', password: 'p' } }, psFormat: 'x' }));
    await saveCredentials('127.0.0.1:5000', { username: 'me', password: 'a:b' }, path);
    await saveCredentials('docker.io', { username: 'hub', password: 'pw' }, path);
    const doc = JSON.parse(await readFile(path, 'utf8')) as { auths: Record<string, { auth: string }>; psFormat: string };
    expect(doc.psFormat).toBe('x');
    expect(doc.auths['127.0.0.1:5000']).toEqual({ auth: Buffer.from('me:a:b').toString('base64') });
    expect(Object.keys(doc.auths)).toContain('https://index.docker.io/v1/');
    expect(await readCredentials('127.0.0.1:5000', path)).toEqual({ username: 'me', password: 'a:b' });
    expect(await readCredentials('docker.io', path)).toEqual({ username: 'hub', password: 'pw' });
    expect(await readCredentials('other:1', path)).toEqual({ username: 'o', password: 'p' });
    expect(await readCredentials('nobody:1', path)).toBeUndefined();
    expect(await removeCredentials('127.0.0.1:5000', path)).toBe(true);
    expect(await removeCredentials('127.0.0.1:5000', path)).toBe(false);
    expect(await readCredentials('127.0.0.1:5000', path)).toBeUndefined();
    expect(await readCredentials('x', join(dir.path, 'missing.json'))).toBeUndefined();
  });

  it('names the file and field that is wrong', async () => {
    const path = join(dir.path, 'config.json');
    await writeFile(path, '{"auths": {"h:1": {"auth": "bm9jb2xvbg=="}}}');
    const err = await readCredentials('h:1', path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect((err as Error).message).toBe(`${path}: auths["h:1"].auth is not base64 of "user:password"`);
    await writeFile(path, '{"auths": [');
    await expect(readCredentials('h:1', path)).rejects.toThrow(`${path} is not valid JSON`);
  });
});

describe('progress streams', () => {
  it('yields each progress event, then the result; a failure ends the stream with the error', async () => {
    const out: string[] = [];
    const ok = progressStream<string, number, string>(
      async (report) => {
        report('a');
        await new Promise((r) => setTimeout(r, 5));
        report('b');
        return 42;
      },
      (e) => `progress ${e}`,
      (r) => `result ${r}`,
    );
    for await (const m of ok) out.push(m);
    expect(out).toEqual(['progress a', 'progress b', 'result 42']);
    const failing = progressStream<string, number, string>(
      async (report) => {
        report('x');
        throw new Error('boom');
      },
      (e) => e,
      String,
    );
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const m of failing) seen.push(m);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(['x']);
  });
});
