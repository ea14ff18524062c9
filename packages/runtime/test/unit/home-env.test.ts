import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { homeOf, withHomeEnv } from '../../src/spec/home-env.js';

describe("HOME from the container's passwd when the config has none (runc's rule)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-home-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rootfs = (name: string, passwd?: string) => {
    const root = join(dir, name);
    mkdirSync(join(root, 'etc'), { recursive: true });
    if (passwd !== undefined) writeFileSync(join(root, 'etc/passwd'), passwd);
    return root;
  };
  const proc = (uid: number, env: string[]) => ({ user: { uid, gid: 0 }, args: ['sh'], cwd: '/', env });

  it("adds the user's home, or / when the uid has no entry or there is no passwd", async () => {
    const root = rootfs('a', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n');
    expect((await withHomeEnv(proc(65534, ['PATH=/bin']), root)).env).toEqual(['PATH=/bin', 'HOME=/nonexistent']);
    expect((await withHomeEnv(proc(0, []), root)).env).toEqual(['HOME=/root']);
    expect((await withHomeEnv(proc(1234, []), root)).env).toEqual(['HOME=/']);
    expect((await withHomeEnv(proc(0, []), rootfs('b'))).env).toEqual(['HOME=/']);
  });

  it('keeps a HOME the config sets', async () => {
    expect((await withHomeEnv(proc(0, ['HOME=/x']), rootfs('c', 'root:x:0:0::/root:/bin/sh\n'))).env).toEqual(['HOME=/x']);
  });

  it('follows symlinks inside the rootfs only: an absolute link restarts at the rootfs', async () => {
    const root = rootfs('d');
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data/passwd'), 'root:x:0:0::/inside:/bin/sh\n');
    symlinkSync('/data/passwd', join(root, 'etc/passwd'));
    expect(await homeOf(root, 0)).toBe('/inside');
    const escape = rootfs('e');
    symlinkSync('../../../../../../../../etc/passwd', join(escape, 'etc/passwd'));
    expect(await homeOf(escape, 0)).toBe('/'); // resolves to <rootfs>/etc/passwd itself: a loop, not the host's
  });
});
