import type { LinuxDeviceCgroup } from '../../spec/types.js';
import { DEFAULT_ALLOWED_DEVICES } from '../default-devices.js';
import { encodeProgram, OP, type EbpfInsn } from './ebpf.js';
import { ACCESS_ALL, deviceRuleSet, type DeviceException, type DeviceRuleSet } from './rule-set.js';

/** The licence the program is loaded under (runc's); it calls no GPL-only helper. */
export const DEVICE_FILTER_LICENSE = 'Apache';

// Registers: r1 holds the context (struct bpf_cgroup_dev_ctx *) on entry.
const R0 = 0;
const R1 = 1;
const TYPE = 2;
const ACCESS = 3;
const MAJOR = 4;
const MINOR = 5;

const insn = (code: number, dst: number, src: number, off: number, imm: number): EbpfInsn => ({ code, dst, src, off, imm });
/** A jump whose offset is set once the block's length is known. */
const NEXT_BLOCK = 0x7fff;

/** r2 = device type, r3 = access bits, r4 = major, r5 = minor. */
function loadContext(): EbpfInsn[] {
  return [
    insn(OP.LDX_MEM_W, TYPE, R1, 0, 0),
    insn(OP.ALU32_AND_K, TYPE, 0, 0, 0xffff),
    insn(OP.LDX_MEM_W, ACCESS, R1, 0, 0),
    insn(OP.ALU32_RSH_K, ACCESS, 0, 0, 16),
    insn(OP.LDX_MEM_W, MAJOR, R1, 4, 0),
    insn(OP.LDX_MEM_W, MINOR, R1, 8, 0),
  ];
}

const verdict = (allow: boolean): EbpfInsn[] => [insn(OP.ALU32_MOV_K, R0, 0, 0, allow ? 1 : 0), insn(OP.JMP_EXIT, 0, 0, 0, 0)];

/**
 * The test for one exception, falling through to its verdict when the access
 * matches it the way the v1 kernel matches: an allowed exception must cover
 * every bit asked for; a denied one matches when it shares any bit with it.
 */
function exceptionBlock(ex: DeviceException, defaultAllow: boolean): EbpfInsn[] {
  const block: EbpfInsn[] = [insn(OP.JMP_JNE_K, TYPE, 0, NEXT_BLOCK, ex.type)];
  // the kernel only asks for m, r and w: a full exception covers and meets every request
  if (ex.access !== ACCESS_ALL) {
    block.push(insn(OP.ALU32_MOV_X, R1, ACCESS, 0, 0), insn(OP.ALU32_AND_K, R1, 0, 0, ex.access));
    block.push(defaultAllow ? insn(OP.JMP_JEQ_K, R1, 0, NEXT_BLOCK, 0) : insn(OP.JMP_JNE_X, R1, ACCESS, NEXT_BLOCK, 0));
  }
  if (ex.major !== undefined) block.push(insn(OP.JMP_JNE_K, MAJOR, 0, NEXT_BLOCK, ex.major | 0));
  if (ex.minor !== undefined) block.push(insn(OP.JMP_JNE_K, MINOR, 0, NEXT_BLOCK, ex.minor | 0));
  block.push(...verdict(!defaultAllow));
  // each failed test skips to the instruction after the block
  return block.map((ins, i) => (ins.off === NEXT_BLOCK ? { ...ins, off: block.length - i - 1 } : ins));
}

/**
 * A BPF_PROG_TYPE_CGROUP_DEVICE program for a rule set: it reads
 * `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }` and
 * returns 1 (allow) or 0 (deny).
 */
export function compileRuleSet(set: DeviceRuleSet): EbpfInsn[] {
  const insns = loadContext();
  for (const ex of set.exceptions) insns.push(...exceptionBlock(ex, set.defaultAllow));
  insns.push(...verdict(set.defaultAllow));
  return insns;
}

/**
 * The device filter of a container: its `linux.resources.devices` followed by
 * the default allowed devices (as the v1 manager writes them), with v1
 * semantics, as little-endian `struct bpf_insn`s. Bad rules throw naming the
 * JSON path.
 */
export function compileDeviceFilter(devices: readonly LinuxDeviceCgroup[], path = 'linux.resources.devices'): Buffer {
  // the defaults come after the config's rules, so an error's index is the config's
  return encodeProgram(compileRuleSet(deviceRuleSet([...devices, ...DEFAULT_ALLOWED_DEVICES], path)));
}
