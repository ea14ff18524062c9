import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { defaultPlatform, goArch, platformScore } from '../../src/oci/platform.js';
import { parseImageConfig, parseIndex, parseIndexOrManifest, parseManifest } from '../../src/oci/validate.js';

const desc = (mediaType: string, s = 'x') => ({ mediaType, digest: sha256(s), size: 1 });
const manifest = (extra: object = {}) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: desc(MediaType.OciConfig),
    layers: [desc(MediaType.OciLayerGzip)],
    ...extra,
  });

describe('OCI documents', () => {
  it('accepts OCI and Docker schema 2 manifests', () => {
    expect(parseManifest(manifest()).layers).toHaveLength(1);
    const docker = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: desc(MediaType.DockerConfig),
      layers: [desc(MediaType.DockerLayerGzip)],
    });
    expect(parseManifest(docker).config.mediaType).toBe(MediaType.DockerConfig);
  });

  it.each([
    ['not JSON', 'not json', /invalid image manifest: not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['schema 1', manifest({ schemaVersion: 1 }), /schema 1 is not supported/],
    ['a wrong mediaType', manifest({ mediaType: 'text/plain' }), /unexpected mediaType "text\/plain"/],
    ['a short digest', manifest({ config: { ...desc(MediaType.OciConfig), digest: 'sha256:123' } }), /config\.digest sha256:123: a sha256 digest has 64 lowercase hex digits/],
    ['a negative size', manifest({ config: { ...desc(MediaType.OciConfig), size: -1 } }), /config\.size must be a non-negative integer/],
    ['a non-layer layer', manifest({ layers: [desc('text/plain')] }), /layers\[0\] has media type text\/plain, which is not an image layer/],
    ['layers not a list', manifest({ layers: 'x' }), /"layers" must be a list/],
  ])('rejects a manifest with %s', (_label, doc, message) => {
    expect(() => parseManifest(doc)).toThrow(message);
  });

  it('checks a manifest against the media type of its descriptor', () => {
    expect(() => parseManifest(manifest(), 'image manifest sha256:x', MediaType.DockerManifest)).toThrow(/does not match its descriptor/);
  });

  it('tells an index from a manifest', () => {
    const index = JSON.stringify({ schemaVersion: 2, manifests: [desc(MediaType.OciManifest)] });
    expect(parseIndexOrManifest(Buffer.from(index), desc(MediaType.OciIndex)).kind).toBe('index');
    expect(parseIndexOrManifest(Buffer.from(index), desc('application/json')).kind).toBe('index');
    expect(parseIndexOrManifest(Buffer.from(manifest()), desc(MediaType.OciManifest)).kind).toBe('manifest');
    expect(() => parseIndex(JSON.stringify({ schemaVersion: 2, manifests: [{}] }))).toThrow(/manifests\[0\]\.mediaType/);
  });

  it('validates image configs', () => {
    const ok = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('a')] } };
    expect(parseImageConfig(JSON.stringify(ok)).os).toBe('linux');
    expect(() => parseImageConfig(JSON.stringify({ ...ok, rootfs: { type: 'x', diff_ids: [] } }))).toThrow(/"rootfs" must be/);
    expect(() => parseImageConfig(JSON.stringify({ ...ok, config: { Entrypoint: 'sh' } }))).toThrow(/config\.Entrypoint must be a list of strings/);
    expect(() => parseImageConfig(JSON.stringify({ ...ok, os: '' }))).toThrow(/"os" must be a non-empty string/);
  });
});

describe('platforms', () => {
  it('maps Node architectures to GOARCH', () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
    expect(goArch('ia32')).toBe('386');
    expect(defaultPlatform()).toMatchObject({ os: 'linux', architecture: goArch(process.arch) });
  });

  it('prefers the exact platform and refuses others', () => {
    const amd64 = { os: 'linux', architecture: 'amd64' };
    expect(platformScore(amd64, { os: 'linux', architecture: 'amd64' })).toBeGreaterThan(0);
    expect(platformScore(amd64, { os: 'linux', architecture: 'arm64' })).toBe(-1);
    expect(platformScore(amd64, { os: 'windows', architecture: 'amd64' })).toBe(-1);
    expect(platformScore(amd64, undefined)).toBe(-1);
    const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    expect(platformScore(arm64, { os: 'linux', architecture: 'arm64' })).toBe(3);
    const armv7 = { os: 'linux', architecture: 'arm', variant: 'v7' };
    expect(platformScore(armv7, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBeGreaterThan(
      platformScore(armv7, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    );
    expect(platformScore({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(-1);
  });
});
