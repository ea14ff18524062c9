import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_DEVICES } from '../../src/cgroups/default-devices.js';
import { compileDeviceFilter, decodeProgram, deviceRuleSet, OP } from '../../src/cgroups/device-filter/index.js';
import { CgroupHybridManager } from '../../src/cgroups/index.js';
import type { CgroupLayout } from '../../src/cgroups/types.js';
import { DEFAULT_ALLOWED_DEVICE_RULES, deviceRule } from '../../src/cgroups/v1.js';
import { CgroupV2Manager } from '../../src/cgroups/v2.js';
import type { LinuxDeviceCgroup } from '../../src/spec/types.js';
import { runDeviceFilter } from '../helpers/ebpf-interpreter.js';

const BLOCK = 1;
const CHAR = 2;
const MKNOD = 1;
const READ = 2;
const WRITE = 4;
const ANY = 0xffffffff;

/**
 * The reference: a v1 devices cgroup as the kernel keeps it
 * (security/device_cgroup.c), fed the very lines the v1 manager writes to
 * devices.allow / devices.deny, starting as a child of the root (allow all).
 */
class V1DevicesCgroup {
  private behavior: 'allow' | 'deny' = 'allow';
  private exceptions: Array<{ type: number; major: number; minor: number; access: number }> = [];

  write(file: 'devices.allow' | 'devices.deny', line: string): void {
    const allow = file === 'devices.allow';
    if (line.startsWith('a')) {
      this.behavior = allow ? 'allow' : 'deny';
      this.exceptions = [];
      return;
    }
    const m = /^([bc]) (\d+|\*):(\d+|\*) ([rwm]+)$/.exec(line);
    if (!m) throw new Error(`the kernel refuses ${line}`);
    const num = (s: string) => (s === '*' ? ANY : Number(s));
    let access = 0;
    for (const ch of m[4]!) access |= ch === 'r' ? READ : ch === 'w' ? WRITE : MKNOD;
    const ex = { type: m[1] === 'b' ? BLOCK : CHAR, major: num(m[2]!), minor: num(m[3]!), access };
    const same = this.exceptions.find((e) => e.type === ex.type && e.major === ex.major && e.minor === ex.minor);
    // dev_exception_rm when the rule agrees with the default, dev_exception_add otherwise
    if (allow === (this.behavior === 'allow')) {
      if (same) {
        same.access &= ~ex.access;
        if (!same.access) this.exceptions.splice(this.exceptions.indexOf(same), 1);
      }
    } else if (same) same.access |= ex.access;
    else this.exceptions.push(ex);
  }

  /** __devcgroup_check_permission */
  allows(type: number, major: number, minor: number, access: number): boolean {
    const matches = (e: (typeof this.exceptions)[number], partial: boolean) =>
      e.type === type && (e.major === ANY || e.major === major) && (e.minor === ANY || e.minor === minor) && (partial ? (access & e.access) !== 0 : (access & ~e.access) === 0);
    if (this.behavior === 'allow') return !this.exceptions.some((e) => matches(e, true));
    return this.exceptions.some((e) => matches(e, false));
  }
}

/** What the v1 manager makes the kernel do for `devices` (its rules, then the defaults). */
function v1Reference(devices: readonly LinuxDeviceCgroup[]): V1DevicesCgroup {
  const cg = new V1DevicesCgroup();
  for (const d of devices) cg.write(d.allow ? 'devices.allow' : 'devices.deny', deviceRule(d));
  for (const rule of DEFAULT_ALLOWED_DEVICE_RULES) cg.write('devices.allow', rule);
  return cg;
}

const MAJORS = [0, 1, 4, 5, 7, 8, 10, 136, 180, 4095];
const MINORS = [0, 1, 2, 3, 5, 7, 8, 9, 200, 229, 0xfffff];

/** Compares the compiled program with the reference on every (type, major, minor, access) of the grid; returns how many. */
function expectSameDecisions(devices: readonly LinuxDeviceCgroup[]): number {
  const program = compileDeviceFilter(devices);
  const reference = v1Reference(devices);
  let checked = 0;
  for (const type of [BLOCK, CHAR]) {
    for (const major of MAJORS) {
      for (const minor of MINORS) {
        for (let access = 1; access <= 7; access++) {
          const got = runDeviceFilter(program, { type, major, minor, access });
          const want = reference.allows(type, major, minor, access) ? 1 : 0;
          if (got !== want) {
            throw new Error(`rules ${JSON.stringify(devices)}: ${type === BLOCK ? 'b' : 'c'} ${major}:${minor} access ${access}: program says ${got}, v1 says ${want}`);
          }
          checked++;
        }
      }
    }
  }
  return checked;
}

const allow = (program: Buffer, type: 'b' | 'c', major: number, minor: number, access: string) => {
  let bits = 0;
  for (const ch of access) bits |= ch === 'r' ? READ : ch === 'w' ? WRITE : MKNOD;
  return runDeviceFilter(program, { type: type === 'b' ? BLOCK : CHAR, major, minor, access: bits }) === 1;
};

const DENY_ALL: LinuxDeviceCgroup = { allow: false, access: 'rwm' };

describe('device filter compiler (cgroup v2 eBPF)', () => {
  it('keeps the default allowed devices the v1 manager writes', () => {
    expect(DEFAULT_ALLOWED_DEVICE_RULES).toEqual(['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 5:1 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm']);
    expect(DEFAULT_ALLOWED_DEVICES).toHaveLength(12);
  });

  it("Docker's default (deny all, then the defaults): /dev/null and friends open, other devices do not, mknod of any works", () => {
    const p = compileDeviceFilter([DENY_ALL]);
    expect(allow(p, 'c', 1, 3, 'rw')).toBe(true); // /dev/null
    expect(allow(p, 'c', 1, 9, 'r')).toBe(true); // /dev/urandom
    expect(allow(p, 'c', 136, 7, 'rw')).toBe(true); // /dev/pts/7
    expect(allow(p, 'c', 10, 200, 'rw')).toBe(true); // /dev/net/tun
    expect(allow(p, 'c', 1, 1, 'r')).toBe(false); // /dev/mem
    expect(allow(p, 'c', 10, 229, 'rw')).toBe(false); // /dev/fuse
    expect(allow(p, 'b', 8, 0, 'r')).toBe(false); // /dev/sda
    expect(allow(p, 'b', 8, 0, 'm')).toBe(true);
    expect(allow(p, 'c', 1, 1, 'm')).toBe(true);
    expect(expectSameDecisions([DENY_ALL])).toBe(2 * MAJORS.length * MINORS.length * 7);
  });

  it('grants partial access only for what a rule lists ("r" is not "rw", "m" is not "r")', () => {
    const devices: LinuxDeviceCgroup[] = [DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'm' }];
    const p = compileDeviceFilter(devices);
    expect(allow(p, 'c', 10, 229, 'r')).toBe(true);
    expect(allow(p, 'c', 10, 229, 'w')).toBe(false);
    expect(allow(p, 'c', 10, 229, 'rw')).toBe(false);
    expect(allow(p, 'b', 8, 0, 'r')).toBe(false);
    expectSameDecisions(devices);
  });

  it('matches wildcards: major/minor -1, null or left out, and type "a" for every type', () => {
    const devices: LinuxDeviceCgroup[] = [
      DENY_ALL,
      { allow: true, type: 'c', major: 4, minor: -1, access: 'rw' },
      { allow: true, type: 'b', major: null, minor: 1, access: 'r' },
      { allow: true, type: 'c', minor: 229, access: 'rwm' },
    ];
    const p = compileDeviceFilter(devices);
    expect(allow(p, 'c', 4, 64, 'rw')).toBe(true);
    expect(allow(p, 'b', 7, 1, 'r')).toBe(true);
    expect(allow(p, 'b', 7, 1, 'w')).toBe(false);
    expect(allow(p, 'c', 10, 229, 'rw')).toBe(true);
    expect(allow(p, 'c', 10, 228, 'rw')).toBe(false);
    expectSameDecisions(devices);
    // "a" with numbers and partial access still switches the default, as devices.allow's "a" does
    const q = compileDeviceFilter([DENY_ALL, { allow: true, type: 'a', major: 1, minor: 1, access: 'r' }]);
    expect(allow(q, 'b', 8, 0, 'rw')).toBe(true);
    expectSameDecisions([DENY_ALL, { allow: true, type: 'a', major: 1, minor: 1, access: 'r' }]);
  });

  it('allows by default when no rule denies everything, and denies what the rules deny, even partly', () => {
    const devices: LinuxDeviceCgroup[] = [{ allow: false, type: 'c', major: 1, minor: 1, access: 'w' }, { allow: false, type: 'b', major: 8, access: 'rwm' }];
    const p = compileDeviceFilter(devices);
    expect(allow(p, 'c', 1, 1, 'r')).toBe(true);
    expect(allow(p, 'c', 1, 1, 'w')).toBe(false);
    expect(allow(p, 'c', 1, 1, 'rw')).toBe(false); // an open for read and write asks for both
    expect(allow(p, 'b', 8, 16, 'r')).toBe(false);
    expect(allow(p, 'b', 8, 16, 'm')).toBe(false); // the default "b *:* m" removes only an exact match in v1
    expect(allow(p, 'c', 10, 229, 'rw')).toBe(true);
    expectSameDecisions(devices);
    expect(expectSameDecisions([])).toBeGreaterThan(0);
    const empty = compileDeviceFilter([]);
    expect(allow(empty, 'b', 8, 0, 'rw')).toBe(true);
  });

  it('lets later rules win and never punches a hole in a wildcard (v1 semantics)', () => {
    // a deny of one device after an allow of all its major changes nothing in v1
    const holes: LinuxDeviceCgroup[] = [DENY_ALL, { allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 1, access: 'rwm' }];
    expect(allow(compileDeviceFilter(holes), 'c', 1, 1, 'r')).toBe(true);
    expectSameDecisions(holes);
    // the same device allowed then denied (in part) keeps what is left
    const partly: LinuxDeviceCgroup[] = [DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'w' }];
    expect(allow(compileDeviceFilter(partly), 'c', 10, 229, 'r')).toBe(true);
    expect(allow(compileDeviceFilter(partly), 'c', 10, 229, 'w')).toBe(false);
    expectSameDecisions(partly);
    // a later "allow all" drops every earlier rule (privileged containers)
    const privileged: LinuxDeviceCgroup[] = [DENY_ALL, { allow: false, type: 'c', major: 1, minor: 1 }, { allow: true, access: 'rwm' }];
    expect(allow(compileDeviceFilter(privileged), 'c', 1, 1, 'rw')).toBe(true);
    expect(deviceRuleSet([...privileged, ...DEFAULT_ALLOWED_DEVICES])).toEqual({ defaultAllow: true, exceptions: [] });
    expectSameDecisions(privileged);
  });

  it('agrees with the v1 kernel on random rule lists', () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    let checked = 0;
    for (let list = 0; list < 120; list++) {
      const devices: LinuxDeviceCgroup[] = [];
      const length = rand(9);
      for (let i = 0; i < length; i++) {
        devices.push({
          allow: rand(2) === 0,
          type: pick(['a', 'b', 'c', 'c', 'c', undefined]),
          major: pick([-1, 1, 5, 10, 136, null, undefined]),
          minor: pick([-1, 1, 3, 200, 229, undefined]),
          access: pick(['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm', '', undefined]),
        });
      }
      checked += expectSameDecisions(devices);
    }
    expect(checked).toBe(120 * 2 * MAJORS.length * MINORS.length * 7);
  });

  it('emits a straight-line program the verifier accepts: context loads first, forward jumps, one block per exception', () => {
    const insns = decodeProgram(compileDeviceFilter([DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]));
    expect(insns.slice(0, 6).map((i) => i.code)).toEqual([OP.LDX_MEM_W, OP.ALU32_AND_K, OP.LDX_MEM_W, OP.ALU32_RSH_K, OP.LDX_MEM_W, OP.LDX_MEM_W]);
    expect(insns.at(-1)!.code).toBe(OP.JMP_EXIT);
    for (const [pc, i] of insns.entries()) {
      if ([OP.JMP_JNE_K, OP.JMP_JNE_X, OP.JMP_JEQ_K].includes(i.code as never)) expect(pc + 1 + i.off).toBeLessThan(insns.length);
    }
    // an exit per exception (fuse and the 12 defaults) and one for the default verdict
    expect(insns.filter((i) => i.code === OP.JMP_EXIT)).toHaveLength(14);
  });

  it('refuses bad rules naming the JSON path', () => {
    expect(() => compileDeviceFilter([DENY_ALL, { allow: true, type: 'x', major: 1, minor: 1 }])).toThrow('linux.resources.devices[1].type: must be one of a, c, b, not "x"');
    expect(() => compileDeviceFilter([{ allow: true, type: 'c', major: 1, minor: 1, access: 'rwx' }])).toThrow('linux.resources.devices[0].access: must be made of r, w and m, not "rwx"');
    expect(() => compileDeviceFilter([{ allow: true, type: 'c', major: 1.5, minor: 1 }])).toThrow('linux.resources.devices[0].major: must be -1 (any) or an integer from 0 to 4294967295, not 1.5');
    expect(() => compileDeviceFilter([{ allow: true, type: 'b', major: 8, minor: 2 ** 32 }])).toThrow('linux.resources.devices[0].minor');
    expect(() => compileDeviceFilter([{ allow: 'yes' as never, type: 'b' }])).toThrow('linux.resources.devices[0].allow: must be a boolean');
  });
});

describe('cgroup managers and the device filter', () => {
  let root: string;
  let attached: Array<{ dir: string; program: Buffer; license: string }>;
  const attachDeviceFilter = (dir: string, program: Buffer, license: string) => {
    attached.push({ dir, program, license });
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ce-devfilter-'));
    attached = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const v2 = (attach = attachDeviceFilter) => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
    const layout: CgroupLayout = { mode: 'v2', v1: [], unified: { mountpoint: root, root: '/', controllers: [] }, own: new Map([['', '/']]) };
    return new CgroupV2Manager(layout, { attachDeviceFilter: attach });
  };

  it('v2 attaches the compiled rules on create and on an update that gives devices, and only then', async () => {
    const m = v2();
    await m.apply('/ce/c1', { devices: [DENY_ALL], pids: { limit: 10 } });
    expect(attached.map((a) => [a.dir, a.license])).toEqual([[join(root, 'ce/c1'), 'Apache']]);
    expect(allow(attached[0]!.program, 'c', 1, 3, 'rw')).toBe(true);
    expect(allow(attached[0]!.program, 'c', 1, 1, 'r')).toBe(false);

    await m.update('/ce/c1', { pids: { limit: 20 } });
    expect(attached).toHaveLength(1);
    await m.update('/ce/c1', { devices: [DENY_ALL, { allow: true, type: 'c', major: 1, minor: 1, access: 'r' }] });
    expect(attached).toHaveLength(2);
    expect(allow(attached[1]!.program, 'c', 1, 1, 'r')).toBe(true);

    await m.apply('/ce/c2', { pids: { limit: 5 } });
    expect(attached).toHaveLength(2);
  });

  it('v2 refuses bad rules before writing any limit, and names the cgroup when attaching fails', async () => {
    const m = v2();
    await expect(m.apply('/ce/c1', { memory: { limit: 1 << 20 }, devices: [{ allow: true, type: 'q' }] })).rejects.toThrow('linux.resources.devices[0].type');
    expect(existsSync(join(root, 'ce/c1/memory.max'))).toBe(false);
    expect(attached).toEqual([]);

    const failing = v2(() => {
      throw Object.assign(new Error('bpf(BPF_PROG_ATTACH, …): Operation not permitted'), { code: 'EPERM' });
    });
    await expect(failing.apply('/ce/c2', { devices: [DENY_ALL] })).rejects.toThrow(
      `linux.resources.devices: attach the device filter to ${join(root, 'ce/c2')}: bpf(BPF_PROG_ATTACH, …): Operation not permitted`,
    );
  });

  const hybrid = (withDevicesController: boolean) => {
    const names = ['memory', 'pids', ...(withDevicesController ? ['devices'] : [])];
    const layout: CgroupLayout = {
      mode: 'hybrid',
      v1: names.map((n) => ({ mountpoint: join(root, n), root: '/', controllers: [n] })),
      unified: { mountpoint: join(root, 'unified'), root: '/', controllers: [] },
      own: new Map([...names.map((n) => [n, '/'] as [string, string]), ['', '/']]),
    };
    return new CgroupHybridManager(layout, { attachDeviceFilter });
  };

  it('hybrid leaves device rules to the v1 devices controller when it is mounted', async () => {
    await hybrid(true).apply('/ce/c1', { devices: [DENY_ALL] });
    expect(readFileSync(join(root, 'devices/ce/c1/devices.deny'), 'utf8')).toBe('a');
    expect(attached).toEqual([]);
  });

  it('hybrid without a v1 devices controller puts the program on the unified cgroup, on create and update', async () => {
    const m = hybrid(false);
    await m.apply('/ce/c1', { devices: [DENY_ALL] });
    expect(attached.map((a) => a.dir)).toEqual([join(root, 'unified/ce/c1')]);
    await m.update('/ce/c1', { devices: [DENY_ALL, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }] });
    expect(attached.map((a) => a.dir)).toEqual([join(root, 'unified/ce/c1'), join(root, 'unified/ce/c1')]);
    expect(allow(attached[1]!.program, 'c', 10, 229, 'rw')).toBe(true);
    await expect(m.update('/ce/c1', { devices: [{ allow: true, access: 'z' }] })).rejects.toThrow('linux.resources.devices[0].access');
    writeFileSync(join(root, 'pids/ce/c1/pids.max'), 'max');
    await expect(m.update('/ce/c1', { pids: { limit: 3 }, devices: [{ allow: true, type: 'c', major: -2 }] })).rejects.toThrow('linux.resources.devices[0].major');
    expect(readFileSync(join(root, 'pids/ce/c1/pids.max'), 'utf8')).toBe('max');
  });
});
