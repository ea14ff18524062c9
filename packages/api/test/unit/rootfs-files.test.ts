import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layerDirs, readRootfsFile } from '../../src/containers/rootfs-files.js';

describe('reading a file of a rootfs through its layers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-rootfs-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const layer = (name: string, files: Record<string, string>) => {
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };
  const overlay = (upper: string, ...lowers: string[]) => [
    { type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`, `upperdir=${upper}`, `workdir=${dir}/work`] },
  ];

  it('lists the layers topmost first', () => {
    expect(layerDirs(overlay('/u', '/l1', '/l2'))).toEqual(['/u', '/l1', '/l2']);
    expect(layerDirs([{ type: 'bind', source: '/fs', options: ['rbind'] }])).toEqual(['/fs']);
  });

  it('takes the topmost layer that has the file', async () => {
    const base = layer('base', { 'etc/passwd': 'base\n' });
    const mid = layer('mid', { 'etc/passwd': 'mid\n' });
    const upper = layer('upper', { 'etc/other': 'x' });
    expect(await readRootfsFile(overlay(upper, mid, base), 'etc/passwd')).toBe('mid\n');
    expect(await readRootfsFile(overlay(upper, base), 'etc/group')).toBeNull();
    expect(await readRootfsFile([{ type: 'bind', source: base, options: [] }], 'etc/passwd')).toBe('base\n');
  });

  it('does not follow a symlink out of the rootfs', async () => {
    const upper = layer('sym', {});
    mkdirSync(join(upper, 'etc'));
    symlinkSync('/etc/passwd', join(upper, 'etc/passwd'));
    const base = layer('base2', { 'etc/passwd': 'base\n' });
    expect(await readRootfsFile(overlay(upper, base), 'etc/passwd')).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)('stops at a whiteout (root: mknod)', async () => {
    const { mknod, S_IFCHR } = await import('@ce/native');
    const upper = layer('wh', {});
    mkdirSync(join(upper, 'etc'));
    mknod(join(upper, 'etc/passwd'), S_IFCHR | 0o000, 0);
    const base = layer('base3', { 'etc/passwd': 'base\n' });
    expect(await readRootfsFile(overlay(upper, base), 'etc/passwd')).toBeNull();
  });
});
