import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { mountedBelow, removeBundle } from '../../src/containers/bundle-dir.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const warnings: string[] = [];
const logger = { debug() {}, info() {}, error() {}, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? '') };

it('removes a bundle with nothing mounted in it', async () => {
  const bundle = mkdtempSync(join(tmpdir(), 'ce-bundle-'));
  dirs.push(bundle);
  mkdirSync(join(bundle, 'rootfs'));
  writeFileSync(join(bundle, 'config.json'), '{}');
  expect(await mountedBelow(bundle)).toBe(false);
  expect(await removeBundle(bundle, logger)).toBe(true);
  expect(existsSync(bundle)).toBe(false);
});

it('removes a bundle with more in it, or files in its unmounted rootfs folder, all of it', async () => {
  for (const extra of ['other-file', 'rootfs/left-file']) {
    const bundle = mkdtempSync(join(tmpdir(), 'ce-bundle-'));
    dirs.push(bundle);
    mkdirSync(join(bundle, 'rootfs'));
    writeFileSync(join(bundle, 'config.json'), '{}');
    writeFileSync(join(bundle, 'monitor.log'), 'said something');
    writeFileSync(join(bundle, extra), 'x');
    expect(await removeBundle(bundle, logger)).toBe(true);
    expect(existsSync(bundle)).toBe(false);
  }
});

it('sees mounts at or below a folder, not beside it', async () => {
  expect(await mountedBelow('/proc')).toBe(true);
  expect(await mountedBelow('/pro')).toBe(false);
});

/** A bundle with a spec, its rootfs folder a tmpfs mount while `fn` runs. */
async function withMountedRootfs(fn: (bundle: string, rootfs: string) => Promise<void>): Promise<void> {
  const bundle = mkdtempSync(join(tmpdir(), 'ce-bundle-'));
  dirs.push(bundle);
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(rootfs);
  writeFileSync(join(bundle, 'config.json'), '{}');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'ce-test-rootfs', rootfs]);
  try {
    await fn(bundle, rootfs);
  } finally {
    execFileSync('umount', [rootfs]);
  }
}

it.skipIf(process.getuid?.() !== 0)('keeps a bundle whose rootfs is still mounted, and the files in it (root)', () =>
  withMountedRootfs(async (bundle, rootfs) => {
    writeFileSync(join(rootfs, 'container-file'), 'keep me');
    expect(await removeBundle(bundle, logger)).toBe(false);
    expect(existsSync(join(rootfs, 'container-file'))).toBe(true);
    // The supervisor reads a kept bundle's spec when it cleans up after a dead shim.
    expect(existsSync(join(bundle, 'config.json'))).toBe(true);
    expect(warnings.at(-1)).toMatch(/bundle kept: its rootfs is still mounted/);
  }));

it.skipIf(process.getuid?.() !== 0)('keeps a bundle whose empty rootfs is a mount point (root)', () =>
  withMountedRootfs(async (bundle, rootfs) => {
    expect(await removeBundle(bundle, logger)).toBe(false);
    expect(existsSync(join(bundle, 'config.json'))).toBe(true);
    expect(await mountedBelow(rootfs)).toBe(true);
  }));
