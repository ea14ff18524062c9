import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pruneEmptyAncestors, retryIfParentVanished } from '../../src/cgroups/util.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('removing the shared parent cgroup', () => {
  it('removes empty ancestors up to, not including, the mount point', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'ce-cgtest-'));
    dirs.push(mount);
    mkdirSync(join(mount, 'ce/a'), { recursive: true });
    rmSync(join(mount, 'ce/a'), { recursive: true });
    await pruneEmptyAncestors(join(mount, 'ce/a'), mount);
    expect(existsSync(join(mount, 'ce'))).toBe(false);
    expect(existsSync(mount)).toBe(true);
  });

  it('stops at an ancestor still in use by another container', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'ce-cgtest-'));
    dirs.push(mount);
    mkdirSync(join(mount, 'ce/other'), { recursive: true });
    await pruneEmptyAncestors(join(mount, 'ce/gone'), mount);
    expect(existsSync(join(mount, 'ce/other'))).toBe(true);
  });

  it('creates a cgroup again when its parent vanished meanwhile, and gives up on other errors', async () => {
    let calls = 0;
    const result = await retryIfParentVanished(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      return 'made';
    });
    expect([result, calls]).toEqual(['made', 3]);
    await expect(retryIfParentVanished(async () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); })).rejects.toThrow('denied');
  });
});
