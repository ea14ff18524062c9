import { linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkDiskUsage } from '../../src/disk-usage.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-cri-du-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const blocks = (path: string) => statSync(path).blocks * 512;

describe('walkDiskUsage', () => {
  it('counts allocated bytes and inodes, a hard link once and a symlink as itself', async () => {
    mkdirSync(join(dir, 'layer/etc'), { recursive: true });
    writeFileSync(join(dir, 'layer/etc/big'), Buffer.alloc(64 * 1024, 1));
    linkSync(join(dir, 'layer/etc/big'), join(dir, 'layer/big-again'));
    symlinkSync('etc/big', join(dir, 'layer/link'));
    const usage = await walkDiskUsage(dir);
    // dir, layer, layer/etc, big (and its link), link.
    expect(usage.inodes).toBe(5);
    const dirs = [dir, join(dir, 'layer'), join(dir, 'layer/etc')].reduce((n, p) => n + blocks(p), 0);
    expect(usage.bytes).toBeGreaterThanOrEqual(dirs + 64 * 1024);
    expect(usage.bytes).toBeLessThan(dirs + 2 * 64 * 1024);
  });

  it('measures a folder that is not there as empty', async () => {
    expect(await walkDiskUsage(join(dir, 'nosuch'))).toEqual({ bytes: 0, inodes: 0 });
  });
});
