// Root-only: user namespaces — the container's root is host uid 100000.
import { chmodSync, lchownSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';
import { collect, Fixture, isRoot, run } from './helpers.js';

const HOST_ROOT = 100000;
const MAPS = [{ containerID: 0, hostID: HOST_ROOT, size: 65536 }];

/** Docker's default config with a new user namespace mapping 0-65535 to 100000-165535. */
function userns(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = MAPS;
  s.linux!.gidMappings = MAPS;
}

describe.skipIf(!isRoot)('user namespaces (root)', () => {
  let f: Fixture;
  let shared: string;
  beforeEach(() => {
    f = new Fixture();
    // as with Docker's userns-remap, the container's root must be able to reach its bundle and owns its rootfs
    chmodSync(f.dir, 0o755);
    for (const e of readdirSync(f.rootfs, { recursive: true, encoding: 'utf8' })) lchownSync(join(f.rootfs, e), HOST_ROOT, HOST_ROOT);
    lchownSync(f.rootfs, HOST_ROOT, HOST_ROOT);
    shared = join(f.dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('runs Docker\'s default config as root mapped to host uid 100000; files it makes belong to 100000', async () => {
    f.writeSpec(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; touch /data/made; mount | grep -c " /sys type sysfs"; echo x > /dev/null && echo null-ok'], (s) => {
      userns(s);
      s.linux!.cgroupsPath = f.cgroupName;
      s.mounts!.push({ destination: '/data', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    });
    const r = await run(f, 'u1');
    expect(r.stderr).toBe('');
    expect(r.exitStatus).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines).toEqual([`0 ${HOST_ROOT} 65536`, `0 ${HOST_ROOT} 65536`, '0', '0', '1', 'null-ok']);
    const made = statSync(join(shared, 'made'));
    expect([made.uid, made.gid]).toEqual([HOST_ROOT, HOST_ROOT]);
  });

  it('sets process.oomScoreAdj of a container in a user namespace (its /proc file is not its root\'s to write)', async () => {
    f.writeSpec(['cat', '/proc/self/oom_score_adj'], (s) => {
      userns(s);
      s.process!.oomScoreAdj = 100;
    });
    expect(await run(f, 'u-oom')).toMatchObject({ exitStatus: 0, stdout: '100\n', stderr: '' });
  });

  it('gives a read-only container in a user namespace a terminal owned by its (mapped) user', async () => {
    symlinkSync('busybox', join(f.rootfs, 'bin', 'tty'));
    f.writeSpec(['sh', '-c', 'tty; id -u; stat -c %u $(tty); touch /x 2>/dev/null || echo read-only'], (s) => {
      userns(s);
      s.root!.readonly = true;
      s.process!.terminal = true;
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    const c = await f.rt.create('u4', f.bundle, { receiveTerminal: true });
    const tty = new ReadStream(c.terminal!);
    let out = '';
    tty.setEncoding('utf8');
    tty.on('data', (d: string) => (out += d));
    const closed = new Promise((resolve) => {
      tty.on('error', resolve); // EIO once the shell is gone
      tty.on('close', resolve);
    });
    await f.rt.start('u4');
    expect((await c.exited).exitStatus).toBe(0);
    await closed;
    tty.destroy();
    expect(out.trim().split(/\r?\n/)).toEqual(['/dev/pts/0', '1000', '1000', 'read-only']);
  });

  it('binds the host\'s /sys read-only where sysfs cannot be mounted (a user namespace sharing the host\'s network namespace)', async () => {
    f.writeSpec(['sh', '-c', 'test -d /sys/kernel && echo sys-ok; touch /sys/x 2>/dev/null || echo read-only; readlink /proc/self/ns/net'], (s) => {
      userns(s);
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    });
    const r = await run(f, 'u5');
    expect(r.stderr).toBe('');
    expect(r.exitStatus).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['sys-ok', 'read-only', readlinkSync('/proc/self/ns/net')]);
  });

  it('execs into the container\'s user namespace', async () => {
    f.writeSpec(['sleep', '30'], userns);
    const c = await f.rt.create('u2', f.bundle);
    await f.rt.start('u2');
    const p = await f.rt.exec('u2', { ...defaultSpec().process!, args: ['sh', '-c', 'cat /proc/self/uid_map; id -u; readlink /proc/self/ns/user'] }, { stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err] = await Promise.all([collect(p.stdout), collect(p.stderr)]);
    expect(err).toBe('');
    expect((await p.exited).exitStatus).toBe(0);
    const lines = out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines).toEqual([`0 ${HOST_ROOT} 65536`, '0', readlinkSync(`/proc/${c.pid}/ns/user`)]);
  });

  it('joins an existing user namespace by path', async () => {
    f.writeSpec(['sleep', '30'], userns);
    const holder = await f.rt.create('holder', f.bundle);
    const nsPath = `/proc/${holder.pid}/ns/user`;
    f.writeSpec(['sh', '-c', 'cat /proc/self/uid_map; readlink /proc/self/ns/user; id -u; touch /data/joined'], (s) => {
      s.linux!.namespaces!.push({ type: 'user', path: nsPath });
      s.mounts!.push({ destination: '/data', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    });
    const r = await run(f, 'joiner');
    expect(r.stderr).toBe('');
    expect(r.exitStatus).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines).toEqual([`0 ${HOST_ROOT} 65536`, readlinkSync(nsPath), '0']);
    expect(statSync(join(shared, 'joined')).uid).toBe(HOST_ROOT);
  });

  it('fails with the kernel\'s reason when the maps are refused, leaving nothing behind', async () => {
    // overlapping container ranges are refused by the kernel (EINVAL)
    f.writeSpec(['true'], (s) => {
      userns(s);
      s.linux!.uidMappings = [
        { containerID: 0, hostID: HOST_ROOT, size: 10 },
        { containerID: 5, hostID: HOST_ROOT + 100, size: 10 },
      ];
      s.linux!.cgroupsPath = f.cgroupName;
    });
    await expect(f.rt.create('u3', f.bundle)).rejects.toThrow(/^linux\.uidMappings: write \/proc\/\d+\/uid_map: EINVAL: invalid argument/);
    expect(await f.rt.list()).toEqual([]);
  });
});
