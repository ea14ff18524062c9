// The netlink boundary against the real kernel: a pinned namespace, a
// socket opened inside it, one raw RTM_GETLINK dump, a sysctl written there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { netlinkClose, netlinkOpen, netlinkRecv, netlinkSend, netnsCreate, netnsRemove, netnsWriteSysctl, SyscallError } from '../../src/index.js';

const root = process.getuid?.() === 0;

// nlmsghdr(len 32, RTM_GETLINK=18, NLM_F_REQUEST|NLM_F_DUMP=0x301, seq 1, pid 0) + ifinfomsg(AF_UNSPEC).
function getLinkDump(): Uint8Array {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(32, 0);
  b.writeUInt16LE(18, 4);
  b.writeUInt16LE(0x301, 6);
  b.writeUInt32LE(1, 8);
  return b;
}

function linkNames(fd: number): string[] {
  const names: string[] = [];
  for (;;) {
    const d = netlinkRecv(fd, 2000);
    for (let off = 0; off + 16 <= d.length; ) {
      const len = d.readUInt32LE(off);
      const type = d.readUInt16LE(off + 4);
      if (type === 3 /* NLMSG_DONE */) return names;
      // Attributes start after nlmsghdr(16) + ifinfomsg(16); IFLA_IFNAME = 3.
      for (let a = off + 32; a + 4 <= off + len; ) {
        const alen = d.readUInt16LE(a);
        if (d.readUInt16LE(a + 2) === 3) names.push(d.toString('utf8', a + 4, a + alen - 1));
        a += (alen + 3) & ~3;
      }
      off += (len + 3) & ~3;
    }
  }
}

describe.skipIf(!root)('netlink sockets and pinned network namespaces (needs root)', () => {
  let dir: string;
  let pin: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-netns-'));
    pin = join(dir, 'ns');
  });
  afterEach(() => {
    netnsRemove(pin);
    rmSync(dir, { recursive: true, force: true });
  });

  it('pins a new namespace in which a socket sees only lo', async () => {
    await netnsCreate(pin);
    const inside = statSync(pin).ino;
    expect(inside).not.toBe(statSync('/proc/self/ns/net').ino);
    const fd = netlinkOpen(pin);
    try {
      netlinkSend(fd, getLinkDump());
      expect(linkNames(fd)).toEqual(['lo']);
    } finally {
      netlinkClose(fd);
    }
    // The thread that opened it left; Node's own namespace is unchanged.
    expect(readFileSync('/proc/self/net/dev', 'utf8')).not.toBe('');
    expect(statSync('/proc/self/ns/net').ino).not.toBe(inside);
  });

  it('refuses to pin over an existing file and removes twice quietly', async () => {
    await netnsCreate(pin);
    await expect(netnsCreate(pin)).rejects.toMatchObject({ code: 'EEXIST', syscall: 'open' });
    netnsRemove(pin);
    expect(existsSync(pin)).toBe(false);
    netnsRemove(pin);
  });

  it('writes a sysctl inside the namespace only', async () => {
    await netnsCreate(pin);
    const host = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const wanted = host.trim() === '1' ? '0' : '1';
    netnsWriteSysctl(pin, '/proc/sys/net/ipv4/ip_forward', wanted);
    const seen = execFileSync('nsenter', [`--net=${pin}`, 'cat', '/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' });
    expect(seen.trim()).toBe(wanted);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(host);
  });

  it('names the failing call for a path that is no namespace', () => {
    let caught: unknown;
    try {
      netlinkOpen('/proc/self/cmdline');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SyscallError);
    expect(caught).toMatchObject({ syscall: 'setns', code: 'EINVAL' });
  });

  it('times out a receive when the kernel has nothing to say', () => {
    const fd = netlinkOpen();
    try {
      expect(() => netlinkRecv(fd, 20)).toThrow(expect.objectContaining({ code: 'ETIMEDOUT' }));
    } finally {
      netlinkClose(fd);
    }
  });
});
