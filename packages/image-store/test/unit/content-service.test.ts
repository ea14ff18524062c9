// The ContentStore interface as FileContentStore implements it: expected
// digests, labels (kept across a reopen, followed by gc), ranged reads,
// walks with filters, and the status of ingests.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContentInfo, ContentStore } from '../../src/content/content-store.js';
import { FileContentStore } from '../../src/content/file-content-store.js';
import { sha256 } from '../../src/digest.js';
import { ImageStore } from '../../src/image-store.js';
import { tempDir } from '../helpers/image.js';
import { rejection } from '../support/fixtures.js';

let root: { path: string; cleanup: () => Promise<void> };
let store: ContentStore;

beforeEach(async () => {
  root = await tempDir('ce-content-service-');
  store = await FileContentStore.open(root.path);
});
afterEach(() => root.cleanup());

const dirs = async () => ({
  blobs: await readdir(join(root.path, 'blobs', 'sha256')),
  labels: await readdir(join(root.path, 'blobs', 'labels')),
  ingest: await readdir(join(root.path, 'ingest')),
});
const walked = async (labels?: string[]) => {
  const out: ContentInfo[] = [];
  await store.walk((i) => void out.push(i), labels ? { labels } : {});
  return out.map((i) => i.digest).sort();
};
const text = async (s: NodeJS.ReadableStream) => {
  let out = '';
  for await (const c of s) out += String(c);
  return out;
};

describe('ContentStore (FileContentStore)', () => {
  it('leaves nothing behind when the bytes do not have the expected digest, labels included', async () => {
    const w = await store.writer({ digest: sha256('expected'), labels: { 'ce.gc.root': '' + Date.now() } });
    await w.write(Buffer.from('something else'));
    const err = await rejection(w.commit());
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toBe(`digest mismatch: expected ${sha256('expected')}, got ${sha256('something else')}`);
    expect(await dirs()).toEqual({ blobs: [], labels: [], ingest: [] });
    expect(await store.exists(sha256('something else'))).toBe(false);
  });

  it('gives a blob the labels it was written with, updates them, and keeps them across a reopen', async () => {
    const info = await store.ingest(Buffer.from('labelled'), { labels: { team: 'a', keep: 'yes' } });
    expect(info.labels).toEqual({ team: 'a', keep: 'yes' });
    expect((await store.update(info.digest, { team: 'b', keep: '' })).labels).toEqual({ team: 'b' });
    const reopened = await FileContentStore.open(root.path);
    expect((await reopened.info(info.digest)).labels).toEqual({ team: 'b' });
    await reopened.delete(info.digest);
    expect(await dirs()).toEqual({ blobs: [], labels: [], ingest: [] });
  });

  it('walks the blobs whose labels match every term', async () => {
    const a = await store.ingest(Buffer.from('a'), { labels: { kind: 'layer', team: 'x' } });
    const b = await store.ingest(Buffer.from('b'), { labels: { kind: 'config' } });
    const c = await store.ingest(Buffer.from('c'));
    expect(await walked()).toEqual([a.digest, b.digest, c.digest].sort());
    expect(await walked(['kind'])).toEqual([a.digest, b.digest].sort());
    expect(await walked(['kind=layer', 'team'])).toEqual([a.digest]);
    expect(await walked(['kind=other'])).toEqual([]);
  });

  it('reads a range of a blob', async () => {
    const info = await store.ingest(Buffer.from('0123456789'));
    expect(await text(await store.readStream(info.digest, { offset: 3, length: 4 }))).toBe('3456');
    expect(await text(await store.readStream(info.digest, { offset: 7 }))).toBe('789');
    expect(await text(await store.readStream(info.digest, { offset: 2, length: 0 }))).toBe('');
    expect((await rejection(store.readStream(info.digest, { offset: -1 }))).message).toBe(`invalid read offset -1 for ${info.digest}`);
    expect((await rejection(store.readStream(sha256('absent')))).code).toBe('NotFound');
  });

  it('reports writes in progress and resumable downloads left behind', async () => {
    const data = Buffer.from('a download cut short');
    const resumable = (await (store as FileContentStore).resumableWriter({ digest: sha256(data), size: data.length }))!;
    await resumable.write(data.subarray(0, 5));
    await resumable.suspend();
    const anonymous = await store.writer();
    await anonymous.write(Buffer.from('abc'));
    const statuses = await store.status();
    expect(statuses).toHaveLength(2);
    expect(statuses.find((s) => s.ref === `sha256-${sha256(data).slice(7)}`)).toMatchObject({ offset: 5, expected: sha256(data), active: false });
    expect(statuses.find((s) => s.expected === undefined)).toMatchObject({ offset: 3, active: true });
    expect(await store.status(`sha256-${sha256(data).slice(7)}`)).toHaveLength(1);
    expect((await rejection(store.status('nothing-here'))).message).toBe('ingest nothing-here not found');
    expect((await rejection(store.status('../blobs'))).code).toBe('InvalidArgument');
    await anonymous.abort();
  });

  it('refuses labels it cannot keep, naming them', async () => {
    const info = await store.ingest(Buffer.from('x'));
    expect((await rejection(store.update(info.digest, { '': 'v' }))).message).toBe(`labels of ${info.digest}: a label key must not be empty`);
    expect((await rejection(store.update(info.digest, { big: 'v'.repeat(5000) }))).message).toBe(`labels of ${info.digest}: label big is 5003 bytes, more than 4096`);
    expect((await rejection(store.update(sha256('absent'), { a: 'b' }))).code).toBe('NotFound');
  });
});

describe('gc labels', () => {
  it('keeps a blob labelled ce.gc.root and the blobs its ce.gc.ref.content labels name; the rest goes', async () => {
    const images = await ImageStore.open({ root: join(root.path, 'store'), syncLayers: false });
    const child = await images.content.ingest(Buffer.from('child'));
    const grandchild = await images.content.ingest(Buffer.from('grandchild'));
    await images.content.update(child.digest, { 'ce.gc.ref.content.next': grandchild.digest });
    const top = await images.content.ingest(Buffer.from('top'), { labels: { 'ce.gc.root': 'x', 'ce.gc.ref.content': child.digest } });
    const loose = await images.content.ingest(Buffer.from('loose'));
    const result = await images.gc();
    expect(result.content).toEqual([loose.digest]);
    for (const d of [top.digest, child.digest, grandchild.digest]) expect(await images.content.exists(d)).toBe(true);
    await images.content.update(top.digest, { 'ce.gc.root': '' });
    expect((await images.gc()).content.sort()).toEqual([top.digest, child.digest, grandchild.digest].sort());
  });
});
