import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/gen/ce/images/v1/images.js';
import { familiarReference as familiarName } from '../../src/reference/index.js';
import { filterImages, globRegExp } from '../../src/image-filter.js';

const image = (name: string, id: string, created: string, configLabels: Record<string, string> = {}): Image => ({
  name,
  id: `sha256:${id.repeat(64 / id.length)}`,
  created: new Date(created),
  createdAt: new Date('2026-12-01T00:00:00Z'),
  size: 1,
  labels: {},
  configLabels,
  target: undefined,
});

const IMAGES = [
  image('docker.io/library/busybox:latest', 'a', '2024-01-01T00:00:00Z', { maintainer: 'me' }),
  image('docker.io/library/alpine:3.18', 'b', '2024-06-01T00:00:00Z'),
  image('localhost:5000/team/app:v1', 'c', '2025-01-01T00:00:00Z', { tier: 'web' }),
];
const names = (pairs: { key: string; value: string }[]) => filterImages(IMAGES, pairs, familiarName).map((i) => familiarName(i.name));

describe('docker images --filter', () => {
  it('matches references as Go path.Match globs, on name:tag or the repository alone', () => {
    expect(names([{ key: 'reference', value: 'busybox' }])).toEqual(['busybox:latest']);
    expect(names([{ key: 'reference', value: 'alpine:3.*' }])).toEqual(['alpine:3.18']);
    expect(names([{ key: 'reference', value: 'localhost:5000/*/app' }])).toEqual(['localhost:5000/team/app:v1']);
    expect(names([{ key: 'reference', value: '*' }])).toEqual(['busybox:latest', 'alpine:3.18']);
    expect(globRegExp('a[bc]?').test('acd')).toBe(true);
    expect(globRegExp('a*').test('a/b')).toBe(false);
  });

  it("filters on the config's labels and creation time, before and since another image", () => {
    expect(names([{ key: 'label', value: 'tier=web' }])).toEqual(['localhost:5000/team/app:v1']);
    expect(names([{ key: 'label', value: 'maintainer' }])).toEqual(['busybox:latest']);
    expect(names([{ key: 'before', value: 'alpine:3.18' }])).toEqual(['busybox:latest']);
    expect(names([{ key: 'since', value: 'busybox' }])).toEqual(['alpine:3.18', 'localhost:5000/team/app:v1']);
    expect(names([{ key: 'since', value: 'bbbb' }])).toEqual(['localhost:5000/team/app:v1']);
  });

  it('lists as dangling only the images named by digest alone, and refuses what Docker refuses', () => {
    expect(names([{ key: 'dangling', value: 'true' }])).toEqual([]);
    expect(names([{ key: 'dangling', value: 'false' }])).toHaveLength(3);
    const digest = `sha256:${'e'.repeat(64)}`;
    const withDigests = [
      ...IMAGES,
      image(`docker.io/library/busybox@${digest}`, 'a', '2024-01-01T00:00:00Z'),
      image(`localhost:5000/team/app@${digest}`, 'd', '2023-01-01T00:00:00Z'),
    ];
    const dangling = filterImages(withDigests, [{ key: 'dangling', value: 'true' }], familiarName).map((i) => familiarName(i.name));
    expect(dangling).toEqual([`localhost:5000/team/app@${digest}`]);
    expect(() => names([{ key: 'bogus', value: '1' }])).toThrow("Invalid filter 'bogus'");
    expect(() => names([{ key: 'before', value: 'nothere' }])).toThrow('No such image: nothere');
  });
});
