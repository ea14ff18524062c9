// Root-only: device programs on a real cgroup of the unified (v2) hierarchy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachCgroupDeviceFilter, cgroupDeviceFilters, SyscallError } from '../../src/index.js';

const isRoot = process.getuid?.() === 0;
const UNIFIED = '/sys/fs/cgroup/unified';
const V2_ROOT = existsSync(join(UNIFIED, 'cgroup.procs')) ? UNIFIED : '/sys/fs/cgroup';
const BUSYBOX = '/bin/busybox';

/** struct bpf_insn, little-endian. */
function insn(code: number, dst: number, src: number, off: number, imm: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(code, 0);
  b.writeUInt8(dst | (src << 4), 1);
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm, 4);
  return b;
}
const MOV32_IMM = 0xb4;
const EXIT = 0x95;
const LDX_W = 0x61;
const JNE_IMM = 0x55;
/** returns `verdict` for every access */
const constant = (verdict: 0 | 1) => Buffer.concat([insn(MOV32_IMM, 0, 0, 0, verdict), insn(EXIT, 0, 0, 0, 0)]);
/** denies the device with this minor number (major ignored), allows the rest */
const denyMinor = (minor: number) =>
  Buffer.concat([insn(LDX_W, 2, 1, 8, 0), insn(MOV32_IMM, 0, 0, 0, 1), insn(JNE_IMM, 2, 0, 1, minor), insn(MOV32_IMM, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)]);

/**
 * Opens each path for reading from a busybox shell that first moves itself
 * into `cgroup`: "<path> ok", or "<path> denied" when open failed with EPERM.
 */
function openFrom(cgroup: string, paths: string[]): string[] {
  const script = `echo $$ > ${cgroup}/cgroup.procs || exit 99; for p in "$@"; do if err=$( (exec 3<"$p") 2>&1 ); then echo "$p ok"; else echo "$p $err"; fi; done`;
  const r = spawnSync(BUSYBOX, ['sh', '-c', script, 'sh', ...paths], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => line.replace(/ sh: .*can't open .*: Operation not permitted$/, ' denied'));
}

describe.skipIf(!isRoot)('cgroup device programs (root)', () => {
  let cgroup: string;
  let scratch: string;
  beforeEach(() => {
    cgroup = join(V2_ROOT, `ce-native-bpf-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(cgroup);
    scratch = mkdtempSync(join(tmpdir(), 'ce-native-bpf-'));
  });
  afterEach(() => {
    // the shells have exited; a cgroup with programs attached is removed like any other
    rmdirSync(cgroup);
    expect(existsSync(cgroup)).toBe(false);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('attaches a program that decides each open, and replaces it on the next attach', () => {
    expect(cgroupDeviceFilters(cgroup)).toEqual([]);
    const denyAll = attachCgroupDeviceFilter(cgroup, constant(0));
    expect(denyAll).toBeGreaterThan(0);
    expect(cgroupDeviceFilters(cgroup)).toEqual([denyAll]);
    expect(openFrom(cgroup, ['/dev/null', '/dev/zero'])).toEqual(['/dev/null denied', '/dev/zero denied']);

    // /dev/zero is c 1:5
    const notZero = attachCgroupDeviceFilter(cgroup, denyMinor(5), 'GPL');
    expect(cgroupDeviceFilters(cgroup)).toEqual([notZero]);
    expect(openFrom(cgroup, ['/dev/null', '/dev/zero'])).toEqual(['/dev/null ok', '/dev/zero denied']);
    // processes outside the cgroup are not affected
    expect(spawnSync(BUSYBOX, ['head', '-c1', '/dev/zero']).status).toBe(0);
  });

  it("fails with the verifier's log, and on a directory that is no cgroup, leaving the cgroup as it was", () => {
    const kept = attachCgroupDeviceFilter(cgroup, constant(1));
    const noExit = insn(MOV32_IMM, 0, 0, 0, 1);
    let err: unknown;
    try {
      attachCgroupDeviceFilter(cgroup, noExit);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ syscall: 'bpf', args: ['BPF_PROG_LOAD', 'BPF_PROG_TYPE_CGROUP_DEVICE', '1 insns', 'Apache'] });
    expect((err as Error).message).toMatch(/^bpf\(BPF_PROG_LOAD, .*\): .*; verifier log:\n[\s\S]+/);
    expect(cgroupDeviceFilters(cgroup)).toEqual([kept]);

    expect(() => attachCgroupDeviceFilter(scratch, constant(0))).toThrow(expect.objectContaining({ syscall: 'bpf', args: expect.arrayContaining([scratch]) }));
    expect(() => attachCgroupDeviceFilter(join(scratch, 'missing'), constant(0))).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
    expect(() => attachCgroupDeviceFilter(cgroup, Buffer.alloc(12))).toThrow('insns must be a non-empty list of 8-byte struct bpf_insn');
  });
});
