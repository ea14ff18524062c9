// Root-only: real namespaces, mounts and cgroups through ce-init.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, Fixture, isRoot, run } from './helpers.js';

describe.skipIf(!isRoot)('a container from a busybox bundle (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('runs as pid 1 with its hostname, its own /proc and working /dev/null', async () => {
    f.writeSpec(
      ['sh', '-c', 'echo pid=$$; hostname; cat /proc/sys/kernel/domainname; echo /proc/[0-9]*; test -c /dev/null && echo nullchar; echo gone > /dev/null && cat /dev/null | wc -c'],
      (s) => {
        s.hostname = 'box1';
        s.domainname = 'example.test';
      },
    );
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    // /proc shows the container's processes only: the shell itself (globbing is a builtin)
    expect(r.stdout.split('\n')).toEqual(['pid=1', 'box1', 'example.test', '/proc/1', 'nullchar', '0', '']);
    expect(r.exitStatus).toBe(0);
  });

  it('propagates the exit code and keeps stdout and stderr apart', async () => {
    f.writeSpec(['sh', '-c', 'echo out; echo err >&2; echo via-dev > /dev/stderr; exit 3']);
    const r = await run(f, 'c1');
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\nvia-dev\n', exitStatus: 3, signal: null });
  });

  it('applies env, cwd, user, umask and the default capability set', async () => {
    f.writeSpec(['sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g; id -G; umask; grep CapEff /proc/self/status'], (s) => {
      s.process!.env!.push('GREETING=hello world');
      s.process!.cwd = '/home/app';
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 6], umask: 0o027 };
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual(['hello world', '/home/app', '1000', '1000', '1000 5 6', '0027']);
    // a non-root user keeps no effective capabilities (no ambient set)
    expect(lines[6]).toMatch(/^CapEff:\s+0000000000000000$/);
  });

  it('gives root in the container Docker\'s default capabilities only', async () => {
    f.writeSpec(['sh', '-c', 'grep -E "Cap(Eff|Bnd)" /proc/self/status']);
    const r = await run(f, 'c1');
    expect(r.stdout).toBe('CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n');
  });

  it('starts the process with default signal handling (Node ignores SIGPIPE; the container must not)', async () => {
    // grep is not the last command: ash would exec it in place, and ash itself ignores SIGQUIT
    f.writeSpec(['sh', '-c', '(yes; echo "yes: $?" >&2) | head -n1; grep -E "^Sig(Blk|Ign)" /proc/self/status; exit 0']);
    const r = await run(f, 'c1');
    expect(r.stdout).toBe('y\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    expect(r.stderr).toBe('yes: 141\n');
  });

  it('leaks no host fd into the container', async () => {
    // not the last command: ash would exec ls itself, which holds its own directory fd
    f.writeSpec(['sh', '-c', 'ls /proc/$$/fd; exit 0']);
    const r = await run(f, 'c1');
    expect(r.stdout.trim().split('\n')).toEqual(['0', '1', '2']);
  });

  it('masks and write-protects Docker\'s paths and can make the rootfs read-only', async () => {
    f.writeSpec(['sh', '-c', 'wc -c < /proc/timer_list; (echo x > /proc/sys/kernel/domainname) 2>&1 | grep -o "Read-only file system"; touch /newfile 2>/dev/null || echo rootro; touch /dev/shm/ok && echo shmrw'], (s) => {
      s.root!.readonly = true;
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['0', 'Read-only file system', 'rootro', 'shmrw', '']);
  });

  it('does the config mounts: sysfs read-only, a bind mount from the bundle, tmpfs with options', async () => {
    writeFileSync(join(f.bundle, 'data.txt'), 'from the host\n');
    f.writeSpec(['sh', '-c', 'cat /etc/data.txt; grep -E " /(sys|scratch|etc/data.txt) " /proc/self/mountinfo | cut -d" " -f5,6'], (s) => {
      s.mounts!.push({ destination: '/etc/data.txt', type: 'bind', source: 'data.txt', options: ['bind', 'ro'] });
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] });
    });
    const r = await run(f, 'c1');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('from the host');
    expect(lines).toContain('/sys ro,nosuid,nodev,noexec,relatime');
    expect(lines.find((l) => l.startsWith('/etc/data.txt '))).toMatch(/^\/etc\/data\.txt ro/);
    expect(lines.find((l) => l.startsWith('/scratch '))).toMatch(/^\/scratch rw,nosuid/);
  });

  it('applies sysctls, rlimits, brings up lo in its network namespace', async () => {
    f.writeSpec(['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward; ulimit -n; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags; ls /sys/class/net'], (s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    const [fwd, nofile, , flags, ifaces] = r.stdout.trim().split('\n');
    expect([fwd, nofile, ifaces]).toEqual(['1', '321', 'lo']);
    expect(Number(flags) & 1).toBe(1); // IFF_UP
  });

  it('works with chroot instead of pivot_root (noPivotRoot)', async () => {
    const { Runtime } = await import('../../src/runtime.js');
    const rt = new Runtime({ root: f.stateRoot, noPivotRoot: true });
    f.writeSpec(['sh', '-c', 'echo pid=$$; cat /proc/self/mountinfo | wc -l']);
    const c = await rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = collect(c.stdout);
    await rt.start('c1');
    expect((await c.exited).exitStatus).toBe(0);
    expect((await out).split('\n')[0]).toBe('pid=1');
  });

  it('keeps mounts inside the rootfs when the image has symlinks pointing out of it', async () => {
    const outside = join(f.dir, 'outside');
    mkdirSync(join(f.rootfs, 'var'));
    symlinkSync('../run', join(f.rootfs, 'var/run')); // dangling: the image has no /run
    symlinkSync(outside, join(f.rootfs, 'evil')); // absolute: means <rootfs>/<outside> in the container
    symlinkSync('../run/resolv/resolv.conf', join(f.rootfs, 'etc/resolv.conf'));
    writeFileSync(join(f.bundle, 'resolv.conf'), 'nameserver 192.0.2.1\n');
    f.writeSpec(['sh', '-c', 'grep -E " /(run/x|run/resolv/resolv.conf|tmp/.*/outside) " /proc/self/mountinfo | cut -d" " -f5; cat /etc/resolv.conf'], (s) => {
      s.mounts!.push({ destination: '/var/run/x', type: 'tmpfs', source: 'tmpfs', options: [] });
      s.mounts!.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: [] });
      s.mounts!.push({ destination: '/etc/resolv.conf', type: 'bind', source: 'resolv.conf', options: ['rbind', 'ro'] });
    });
    const r = await run(f, 'c1');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').sort()).toEqual(['/run/resolv/resolv.conf', '/run/x', outside, 'nameserver 192.0.2.1'].sort());
    // nothing was created on the host side of the symlink
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(f.rootfs, outside))).toBe(true);
  });

  it("honours linux.rootfsPropagation on the container's / without leaking a mount to the host", async () => {
    // The optional fields of / in the container's mountinfo: shared:N, master:N, unbindable.
    // The rootfs is bound from a private parent (runc's rule), so a slave / receives nothing either: private.
    const expected: Record<string, RegExp> = {
      rshared: /^(?=.*\bshared:\d+)/,
      shared: /^(?=.*\bshared:\d+)/,
      rprivate: /^(?!.*\b(shared|master):)(?!.*unbindable)/,
      rslave: /^(?!.*\b(shared|master):)/,
      runbindable: /^(?=.*\bunbindable\b)/,
      unbindable: /^(?=.*\bunbindable\b)/,
    };
    for (const [prop, tags] of Object.entries(expected)) {
      f.writeSpec(['busybox', 'awk', '$5 == "/" { for (i = 7; $i != "-"; i++) printf "%s ", $i; print "." }', '/proc/self/mountinfo'], (s) => {
        s.linux!.rootfsPropagation = prop;
      });
      const c = await f.rt.create(`p-${prop}`, f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = collect(c.stdout);
      const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(f.dir));
      expect(hostMounts).toEqual([]);
      await f.rt.start(`p-${prop}`);
      expect((await c.exited).exitStatus).toBe(0);
      const optional = (await out).trim();
      expect({ prop, optional }).toEqual({ prop, optional: expect.stringMatching(tags) });
      await f.rt.delete(`p-${prop}`);
    }
  });

  it('takes a file descriptor as stdout', async () => {
    const out = join(f.dir, 'out.txt');
    const fd = openSync(out, 'w');
    try {
      f.writeSpec(['sh', '-c', 'echo to-a-file']);
      const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', fd, 'ignore'] });
      expect(c.stdout).toBeNull();
      await f.rt.start('c1');
      expect((await c.exited).exitStatus).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(out, 'utf8')).toBe('to-a-file\n');
  });
});
