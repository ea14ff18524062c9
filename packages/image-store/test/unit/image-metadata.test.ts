// The ImageMetadataStore interface as FileImageMetadataStore implements it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileImageMetadataStore } from '../../src/images/file-metadata-store.js';
import type { ImageMetadataStore } from '../../src/images/image-metadata-store.js';
import { sha256 } from '../../src/digest.js';
import { tempDir } from '../helpers/image.js';
import { rejection } from '../support/fixtures.js';

let root: { path: string; cleanup: () => Promise<void> };
let images: ImageMetadataStore;
const target = (s: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(s), size: s.length });

beforeEach(async () => {
  root = await tempDir('ce-image-metadata-');
  images = await FileImageMetadataStore.open(root.path);
});
afterEach(() => root.cleanup());

describe('ImageMetadataStore (FileImageMetadataStore)', () => {
  it('keeps createdAt when a name is pointed elsewhere, and updatedAt moves', async () => {
    const first = await images.put({ name: 'docker.io/library/a:1', target: target('one'), labels: {} });
    const second = await images.put({ name: 'docker.io/library/a:1', target: target('two'), labels: { x: 'y' } });
    expect(second.createdAt).toEqual(first.createdAt);
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    const reopened = await FileImageMetadataStore.open(root.path);
    expect(await reopened.get('docker.io/library/a:1')).toEqual(second);
  });

  it('lists by name, target and labels', async () => {
    await images.put({ name: 'docker.io/library/a:1', target: target('one'), labels: { tier: 'web' } });
    await images.put({ name: 'docker.io/library/a:2', target: target('one'), labels: { tier: 'db', keep: '' } });
    await images.put({ name: 'docker.io/library/b:1', target: target('two'), labels: {} });
    const names = async (filter: Parameters<ImageMetadataStore['list']>[0]) => (await images.list(filter)).map((m) => m.name).sort();
    expect(await names({})).toEqual(['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/b:1']);
    expect(await names({ target: sha256('one') })).toEqual(['docker.io/library/a:1', 'docker.io/library/a:2']);
    expect(await names({ labels: ['tier=db'] })).toEqual(['docker.io/library/a:2']);
    expect(await names({ labels: ['keep', 'tier'] })).toEqual(['docker.io/library/a:2']);
    expect(await names({ name: 'docker.io/library/b:1' })).toEqual(['docker.io/library/b:1']);
    expect(await images.delete('docker.io/library/b:1')).toBe(true);
    expect(await images.delete('docker.io/library/b:1')).toBe(false);
    expect(await images.get('docker.io/library/b:1')).toBeUndefined();
  });

  it('refuses a record without a name, without a target, or with a label it cannot keep', async () => {
    expect((await rejection(images.put({ name: '', target: target('one'), labels: {} }))).message).toBe('an image record needs a name');
    expect((await rejection(images.put({ name: 'docker.io/library/a:1', target: { mediaType: '', digest: '', size: 0 }, labels: {} }))).message).toBe(
      'image record docker.io/library/a:1: the target needs a media type and a digest',
    );
    expect((await rejection(images.put({ name: 'docker.io/library/a:1', target: target('one'), labels: { '': 'x' } }))).message).toBe(
      'labels of image docker.io/library/a:1: a label key must not be empty',
    );
    expect(await images.list()).toEqual([]);
  });
});
