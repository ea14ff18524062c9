// Root-only: mount destinations are resolved inside the rootfs also on a kernel
// without openat2 (before 5.6). ce-init is built with CE_INIT_WITHOUT_OPENAT2,
// which always takes that path, and run against a rootfs with hostile symlinks.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, isRoot, run } from './helpers.js';

const initSources = fileURLToPath(new URL('../../../native/native/init', import.meta.url));
const haveCc = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(!isRoot || !haveCc)('mount destinations without openat2 (root, needs a C compiler)', () => {
  let buildDir: string;
  let savedInitPath: string | undefined;
  let f: Fixture;
  beforeAll(() => {
    buildDir = mkdtempSync(join(tmpdir(), 'ce-init-no-openat2-'));
    const sources = readdirSync(initSources).filter((n) => n.endsWith('.c')).map((n) => join(initSources, n));
    execFileSync('cc', ['-std=gnu11', '-O2', '-DCE_INIT_WITHOUT_OPENAT2', '-o', join(buildDir, 'ce-init'), ...sources]);
    savedInitPath = process.env.CE_INIT_PATH;
    process.env.CE_INIT_PATH = join(buildDir, 'ce-init');
  });
  afterAll(() => {
    if (savedInitPath === undefined) delete process.env.CE_INIT_PATH;
    else process.env.CE_INIT_PATH = savedInitPath;
    rmSync(buildDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('keeps absolute and ..-climbing symlinks inside the rootfs', async () => {
    // the host folders exist: a resolution that followed the links would create and mount there
    const outside = join(f.dir, 'outside');
    const above = join(f.dir, 'above');
    mkdirSync(outside);
    mkdirSync(above);
    symlinkSync(outside, join(f.rootfs, 'evil'));
    symlinkSync(`../../../../../../../../../..${above}`, join(f.rootfs, 'tmp/up'));
    mkdirSync(join(f.rootfs, 'etc/deep'), { recursive: true });
    symlinkSync('/evil', join(f.rootfs, 'etc/deep/chain')); // a link to a link
    f.writeSpec(['sh', '-c', `grep -E " (${outside}|${above})/" /proc/self/mountinfo | cut -d" " -f5 | sort`], (s) => {
      s.mounts!.push({ destination: '/evil/sub', type: 'tmpfs', source: 'tmpfs', options: [] });
      s.mounts!.push({ destination: '/tmp/up/sub', type: 'tmpfs', source: 'tmpfs', options: [] });
      s.mounts!.push({ destination: '/etc/deep/chain/two', type: 'tmpfs', source: 'tmpfs', options: [] });
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([`${above}/sub`, `${outside}/sub`, `${outside}/two`]);
    expect(r.exitStatus).toBe(0);
    // nothing was created on the host side of the links; all of it below the rootfs
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(above)).toEqual([]);
    expect(readdirSync(join(f.rootfs, outside)).sort()).toEqual(['sub', 'two']);
    expect(existsSync(join(f.rootfs, above, 'sub'))).toBe(true);
  });

  it('refuses a symlink loop with ELOOP', async () => {
    symlinkSync('/loop2', join(f.rootfs, 'loop1'));
    symlinkSync('loop1', join(f.rootfs, 'loop2'));
    f.writeSpec(['true'], (s) => {
      s.mounts!.push({ destination: '/loop1/x', type: 'tmpfs', source: 'tmpfs', options: [] });
    });
    await expect(f.rt.create('c1', f.bundle)).rejects.toThrow(/\/loop1\/x: Too many levels of symbolic links/);
  });
});
