import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLayer, type LayerEntry } from '../../src/unpack/pack.js';
import type { FsOps } from '../../src/unpack/fs-ops.js';
import { unpackLayer } from '../../src/unpack/unpack-layer.js';
import { tempDir } from '../helpers/image.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('ce-unpack-');
});
afterEach(() => dir.cleanup());

const T1 = new Date('2021-03-04T05:06:07Z');
const T2 = new Date('2022-01-02T03:04:05Z');

/** Records whiteouts and xattrs instead of making them (mknod needs root). */
class FakeFsOps implements FsOps {
  calls: string[] = [];
  mknod(path: string, mode: number, major: number, minor: number): void {
    this.calls.push(`mknod ${path.slice(dir.path.length)} ${mode.toString(8)} ${major}:${minor}`);
  }
  lsetxattr(path: string, name: string, value: Buffer | string): void {
    this.calls.push(`xattr ${path.slice(dir.path.length) || '/'} ${name}=${value}`);
  }
}

async function unpack(entries: LayerEntry[], fsOps: FsOps = new FakeFsOps(), compression: 'gzip' | 'none' = 'gzip') {
  const layer = await buildLayer(entries, { compression });
  const result = await unpackLayer(Readable.from([layer.blob]), dir.path, { fsOps, preserveOwner: false });
  return { layer, result };
}

describe('unpackLayer', () => {
  it('unpacks zstd, xz and bzip2 layers as dockerd does (zstd by the host\'s zstd where Node has none); the diff id is the tar\'s', async () => {
    const layer = await buildLayer([{ name: 'hello.txt', data: 'hello from a compressed layer\n', mode: 0o644, mtime: T1 }], { compression: 'none' });
    for (const tool of ['zstd', 'xz', 'bzip2']) {
      const target = join(dir.path, tool);
      await mkdir(target);
      const packed = execFileSync(tool, ['-c', '-q'], { input: layer.blob });
      const result = await unpackLayer(Readable.from([packed.subarray(0, 3), packed.subarray(3)]), target, { fsOps: new FakeFsOps(), preserveOwner: false });
      expect(result.diffId, tool).toBe(layer.diffId);
      expect(await readFile(join(target, 'hello.txt'), 'utf8')).toBe('hello from a compressed layer\n');
    }
  });

  it('preserves file contents, modes (setuid, sticky) and mtimes', async () => {
    await unpack([
      { name: 'bin/', type: 'directory', mode: 0o755, mtime: T1 },
      { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o4755, mtime: T2 },
      { name: 'bin/sgid', data: 'g', mode: 0o2711, mtime: T2 },
      { name: 'tmp/', type: 'directory', mode: 0o1777, mtime: T1 },
      { name: 'etc/secret', data: 's', mode: 0o600, mtime: T1 },
    ]);
    const tool = await stat(join(dir.path, 'bin/tool'));
    expect(tool.mode & 0o7777).toBe(0o4755);
    expect(tool.mtime).toEqual(T2);
    expect(await readFile(join(dir.path, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect((await stat(join(dir.path, 'bin/sgid'))).mode & 0o7777).toBe(0o2711);
    const tmp = await stat(join(dir.path, 'tmp'));
    expect(tmp.mode & 0o7777).toBe(0o1777);
    expect(tmp.mtime).toEqual(T1);
    // bin/ got a file written after its own entry: its mtime is still the layer's.
    expect((await stat(join(dir.path, 'bin'))).mtime).toEqual(T1);
    expect((await stat(join(dir.path, 'etc/secret'))).mode & 0o7777).toBe(0o600);
    // etc/ had no entry of its own: created 0755.
    expect((await stat(join(dir.path, 'etc'))).mode & 0o7777).toBe(0o755);
  });

  it('creates symlinks (not followed) with their own mtime, and hard links sharing an inode', async () => {
    await unpack([
      { name: 'usr/bin/busybox', data: 'BB', mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: '/usr/bin/busybox', mtime: T1 },
      { name: 'bin/dangling', type: 'symlink', linkname: '../nowhere', mtime: T2 },
      { name: 'usr/bin/ls', type: 'link', linkname: 'usr/bin/busybox' },
      { name: 'usr/bin/cat', type: 'link', linkname: '/usr/bin/busybox' },
    ]);
    expect(await readlink(join(dir.path, 'bin/sh'))).toBe('/usr/bin/busybox');
    expect((await lstat(join(dir.path, 'bin/sh'))).mtime).toEqual(T1);
    expect(await readlink(join(dir.path, 'bin/dangling'))).toBe('../nowhere');
    const [bb, ls, cat] = await Promise.all(['busybox', 'ls', 'cat'].map((f) => stat(join(dir.path, 'usr/bin', f))));
    expect(ls!.ino).toBe(bb!.ino);
    expect(cat!.ino).toBe(bb!.ino);
    expect(bb!.nlink).toBe(3);
  });

  it('lets a later entry replace a symlink instead of writing through it', async () => {
    await unpack([
      { name: 'target', data: 'keep me' },
      { name: 'link', type: 'symlink', linkname: 'target' },
      { name: 'link', data: 'new file' },
    ]);
    expect(await readFile(join(dir.path, 'target'), 'utf8')).toBe('keep me');
    expect((await lstat(join(dir.path, 'link'))).isFile()).toBe(true);
    expect(await readFile(join(dir.path, 'link'), 'utf8')).toBe('new file');
  });

  it('does not modify a hard link target when the link name is rewritten', async () => {
    await unpack([
      { name: 'a', data: 'original' },
      { name: 'b', type: 'link', linkname: 'a' },
      { name: 'b', data: 'replaced' },
    ]);
    expect(await readFile(join(dir.path, 'a'), 'utf8')).toBe('original');
    expect(await readFile(join(dir.path, 'b'), 'utf8')).toBe('replaced');
  });

  it('turns .wh. files into whiteouts and .wh..wh..opq into the opaque xattr', async () => {
    const fake = new FakeFsOps();
    await unpack(
      [
        { name: 'etc/', type: 'directory' },
        { name: 'etc/.wh.motd', data: '' },
        { name: 'var/cache/.wh..wh..opq', data: '' },
        { name: '.wh..wh.plnk', type: 'directory' },
      ],
      fake,
    );
    expect(fake.calls).toEqual([
      'mknod /etc/motd 20000 0:0',
      'xattr /var/cache trusted.overlay.opaque=y',
    ]);
    await expect(lstat(join(dir.path, 'etc/.wh.motd'))).rejects.toThrow(/ENOENT/);
  });

  it('applies extended attributes from PAX headers, but never overlayfs ones', async () => {
    const fake = new FakeFsOps();
    await unpack(
      [{ name: 'f', data: 'x', xattrs: { 'user.comment': 'hi', 'trusted.overlay.redirect': '/etc', 'trusted.overlay.metacopy': '' } }],
      fake,
    );
    expect(fake.calls).toEqual(['xattr /f user.comment=hi']);
  });

  it('reports the diff id and size of the uncompressed tar, for gzip and plain layers', async () => {
    for (const compression of ['gzip', 'none'] as const) {
      const sub = await tempDir();
      try {
        const layer = await buildLayer([{ name: 'f', data: 'data' }], { compression });
        const r = await unpackLayer(Readable.from([layer.blob]), sub.path, { fsOps: new FakeFsOps() });
        expect(r.diffId).toBe(layer.diffId);
        expect(r.size).toBe(layer.tar.length);
        expect(r.entries).toBe(1);
      } finally {
        await sub.cleanup();
      }
    }
  });

  it('applies the root entry "./" to the target directory', async () => {
    await unpack([
      { name: './', type: 'directory', mode: 0o750, mtime: T1 },
      { name: './f', data: 'x' },
    ]);
    const st = await stat(dir.path);
    expect(st.mode & 0o7777).toBe(0o750);
    expect(st.mtime).toEqual(T1);
  });
});
