// Root: real overlayfs mounts of prepared root filesystems.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lgetxattr, mountAll } from '@ce/native';
import { ImageStore } from '../../src/image-store.js';
import type { LayerEntry } from '../../src/unpack/pack.js';
import { chainIds } from '../../src/unpack/unpacker.js';
import { makeImage, tempDir, writeImageLayout } from '../helpers/image.js';
import { isRoot, mountsUnder, unmountAllUnder } from '../helpers/mounts.js';

const repoRoot = join(import.meta.dirname, '../../../..');
const T = new Date('2020-02-02T02:02:02Z');

let root: { path: string; cleanup: () => Promise<void> };
let store: ImageStore;

beforeEach(async () => {
  root = await tempDir('ce-is-integration-');
  store = await ImageStore.open({ root: join(root.path, 'store') });
});
afterEach(async () => {
  unmountAllUnder(root.path);
  const left = mountsUnder(root.path);
  await root.cleanup();
  expect(left, 'mounts left behind').toEqual([]);
});

const procMountsUnder = (dir: string) =>
  readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[1]?.startsWith(dir));

describe.skipIf(!isRoot)('root filesystems on overlayfs (needs root)', () => {
  it('runs the embedded hello-world image built by the api package script', async () => {
    const out = join(root.path, 'embedded');
    execFileSync(process.execPath, [join(repoRoot, 'packages/api/scripts/build-embedded-images.mjs'), '--out', out], {
      stdio: 'pipe',
    });
    const [image] = await store.importOciLayout(join(out, 'hello-world'));
    expect(image).toMatchObject({ name: 'docker.io/library/hello-world:latest' });
    expect(image!.config.config?.Entrypoint).toEqual(['/hello']);
    expect(image!.config.config?.Cmd).toBeUndefined();
    expect((await store.get('hello-world')).id).toBe(image!.id);

    const mounts = await store.prepareRootfs('hello-1', 'hello-world');
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.type).toBe('overlay');
    const rootfs = join(root.path, 'rootfs');
    await mkdir(rootfs);
    mountAll(mounts, rootfs);
    try {
      const hello = await stat(join(rootfs, 'hello'));
      expect(hello.mode & 0o7777).toBe(0o755);
      expect([hello.uid, hello.gid]).toEqual([0, 0]);
      // Run it the way a container would: its own pid and uts namespaces, chrooted into the rootfs.
      const run = spawnSync('unshare', ['--pid', '--fork', '--uts', `--root=${rootfs}`, '/hello', '7'], { encoding: 'utf8' });
      expect(run.status).toBe(7);
      expect(run.stdout.split('\n')[0]).toBe('Hello from ce!');
      expect(run.stdout).toMatch(/this program is pid 1 of its own pid namespace\n/);
      expect(run.stdout).toMatch(/its hostname is \S+\n/);
      expect(run.stdout).toMatch(/it exits with code 7, as asked/);
      const bad = spawnSync('unshare', [`--root=${rootfs}`, '/hello', 'nope'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^usage: hello/);
      expect(bad.stdout).toBe('');
    } finally {
      await store.unmount(rootfs);
    }
    expect(procMountsUnder(root.path)).toEqual([]);
    await store.removeRootfs('hello-1');
  });

  it('assembles a busybox image: writes go to the upper dir, whiteouts and opaque dirs hide lower files', async () => {
    const busybox = await readFile('/bin/busybox');
    const base: LayerEntry[] = [
      { name: 'bin/', type: 'directory', mtime: T },
      { name: 'bin/busybox', data: busybox, mode: 0o755, mtime: T },
      ...['sh', 'ls', 'cat', 'echo', 'tr'].map((n): LayerEntry => ({ name: `bin/${n}`, type: 'symlink', linkname: 'busybox', mtime: T })),
      { name: 'etc/', type: 'directory', mtime: T },
      { name: 'etc/motd', data: 'lower motd\n', mtime: T },
      { name: 'etc/keep', data: 'kept\n', mtime: T },
      { name: 'etc/cache/', type: 'directory', mtime: T },
      { name: 'etc/cache/old', data: 'old\n', mtime: T },
      { name: 'usr/bin/su', data: 'setuid\n', mode: 0o4755, mtime: T },
    ];
    const top: LayerEntry[] = [
      { name: 'etc/.wh.motd', data: '' },
      { name: 'etc/cache/.wh..wh..opq', data: '' },
      { name: 'etc/cache/new', data: 'new\n' },
    ];
    const image = await makeImage([base, top], { entrypoint: ['/bin/sh'] });
    const layout = await writeImageLayout(image, 'docker.io/library/busybox:test', 'test');
    try {
      await store.importOciLayout(layout);
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(layout, { recursive: true, force: true });
    }
    const mounts = await store.prepareRootfs('bb-1', 'busybox:test');
    const [bottom, upperLayer] = chainIds(image.config.rootfs.diff_ids).map((c) => store.snapshotter.fsPath(c));

    // The layer's whiteout is a 0/0 character device; the opaque dir carries the xattr.
    const wh = await lstat(join(upperLayer!, 'etc/motd'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(lgetxattr(join(upperLayer!, 'etc/cache'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect((await stat(join(bottom!, 'usr/bin/su'))).mode & 0o7777).toBe(0o4755);

    const rootfs = join(root.path, 'rootfs');
    await store.mount('bb-1', rootfs);
    try {
      expect(mounts[0]!.options.some((o) => o.startsWith('lowerdir=') && o.includes(':'))).toBe(true);
      // Files from both layers, minus what the top layer removed.
      expect(existsSync(join(rootfs, 'etc/motd'))).toBe(false);
      expect(await readFile(join(rootfs, 'etc/keep'), 'utf8')).toBe('kept\n');
      expect(await readdir(join(rootfs, 'etc/cache'))).toEqual(['new']);
      expect((await stat(join(rootfs, 'usr/bin/su'))).mode & 0o7777).toBe(0o4755);
      expect((await stat(join(rootfs, 'etc/keep'))).mtime).toEqual(T);

      // busybox runs from it.
      const run = spawnSync('chroot', [rootfs, '/bin/sh', '-c', 'echo hi from $(ls /etc | tr "\\n" " ")'], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('hi from cache keep');

      // Writes land in the container's upper dir only.
      await writeFile(join(rootfs, 'etc/keep'), 'changed\n');
      await writeFile(join(rootfs, 'created'), 'c\n');
      const upper = store.snapshotter.fsPath('bb-1');
      expect(await readFile(join(upper, 'etc/keep'), 'utf8')).toBe('changed\n');
      expect(await readFile(join(upper, 'created'), 'utf8')).toBe('c\n');
      expect(await readFile(join(bottom!, 'etc/keep'), 'utf8')).toBe('kept\n');
      expect(existsSync(join(bottom!, 'created'))).toBe(false);
      expect(existsSync(join(upperLayer!, 'created'))).toBe(false);

      // Deleting a lower file inside the container leaves a whiteout in the upper dir.
      const { rm } = await import('node:fs/promises');
      await rm(join(rootfs, 'etc/keep'));
      expect((await lstat(join(upper, 'etc/keep'))).isCharacterDevice()).toBe(true);
      expect(existsSync(join(bottom!, 'etc/keep'))).toBe(true);

      // A second container of the same image shares the layers and sees none of this.
      const rootfs2 = join(root.path, 'rootfs2');
      await store.prepareRootfs('bb-2', 'busybox:test');
      await store.mount('bb-2', rootfs2);
      try {
        expect(await readFile(join(rootfs2, 'etc/keep'), 'utf8')).toBe('kept\n');
        expect(existsSync(join(rootfs2, 'created'))).toBe(false);
      } finally {
        await store.unmount(rootfs2);
      }
      expect(store.snapshotter.list().filter((s) => s.kind === 'committed')).toHaveLength(2);
      // A mounted rootfs is not deleted from under its container.
      await expect(store.removeRootfs('bb-1')).rejects.toThrow(`rootfs bb-1 is still mounted at ${rootfs}; unmount it first`);
    } finally {
      await store.unmount(rootfs);
    }
    expect(procMountsUnder(root.path)).toEqual([]);
    await store.removeRootfs('bb-1');
    await store.removeRootfs('bb-2');
    expect(existsSync(store.snapshotter.root)).toBe(true);
    expect(store.snapshotter.list().map((s) => s.kind)).toEqual(['committed', 'committed']);
  });

  it('unpacks a layer once even when containers start concurrently', async () => {
    const image = await makeImage([[{ name: 'a', data: 'a'.repeat(1_000_000) }], [{ name: 'b', data: 'b' }]]);
    const layout = await writeImageLayout(image, 'con:current');
    try {
      await store.importOciLayout(layout);
    } finally {
      const { rm } = await import('node:fs/promises');
      await rm(layout, { recursive: true, force: true });
    }
    // allSettled: a failure must not leave other prepares running past the test's cleanup.
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.prepareRootfs(`c${i}`, 'con:current')));
    const all = settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    expect(new Set(all.map((m) => m[0]!.options[0])).size).toBe(1);
    expect(store.snapshotter.list().filter((s) => s.kind === 'committed')).toHaveLength(2);
    const dirs = (await readdir(store.snapshotter.root)).filter((d) => !/^\d+$/.test(d));
    expect(dirs).toEqual([]);
  });
});
