// A small eBPF interpreter for the instructions the device filter emits, to
// check compiled programs by running them on struct bpf_cgroup_dev_ctx. It is
// strict where the kernel's verifier is: unknown opcodes, reads of registers
// never written, context reads outside the 12-byte struct, jumps out of the
// program and return values other than 0 and 1 throw.
import { decodeProgram, OP, type EbpfInsn } from '../../src/cgroups/device-filter/ebpf.js';

export interface DeviceAccess {
  /** BPF_DEVCG_DEV_BLOCK (1) or BPF_DEVCG_DEV_CHAR (2) */
  type: number;
  major: number;
  minor: number;
  /** BPF_DEVCG_ACC_MKNOD (1) | READ (2) | WRITE (4) */
  access: number;
}

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;
const signExtend32 = (imm: number) => BigInt.asUintN(64, BigInt(imm | 0));

/** Runs `program` on one access and returns its verdict: 1 allows, 0 denies. */
export function runDeviceFilter(program: Buffer | readonly EbpfInsn[], ctx: DeviceAccess): number {
  const insns = Buffer.isBuffer(program) ? decodeProgram(program) : program;
  const mem = Buffer.alloc(12);
  mem.writeUInt32LE(((ctx.access << 16) | ctx.type) >>> 0, 0);
  mem.writeUInt32LE(ctx.major >>> 0, 4);
  mem.writeUInt32LE(ctx.minor >>> 0, 8);

  const CTX = -1n; // r1 on entry: a pointer only the loads may use
  const regs: Array<bigint | undefined> = new Array(11).fill(undefined);
  regs[1] = CTX;
  const read = (pc: number, r: number): bigint => {
    const v = regs[r];
    if (v === undefined) throw new Error(`pc ${pc}: r${r} is read before it is written`);
    if (v === CTX) throw new Error(`pc ${pc}: r${r} holds the context pointer, not a number`);
    return v;
  };
  const jump = (pc: number, off: number): number => {
    const to = pc + 1 + off;
    if (to < 0 || to >= insns.length || off < 0) throw new Error(`pc ${pc}: jump to ${to} is outside the program or backwards`);
    return to;
  };

  for (let pc = 0, steps = 0; ; steps++) {
    if (pc >= insns.length) throw new Error('the program runs off its end');
    if (steps > insns.length) throw new Error('the program loops');
    const { code, dst, src, off, imm } = insns[pc]!;
    switch (code) {
      case OP.LDX_MEM_W: {
        if (regs[src] !== CTX) throw new Error(`pc ${pc}: load through r${src}, which is not the context`);
        if (off < 0 || off % 4 || off + 4 > mem.length) throw new Error(`pc ${pc}: context read at bad offset ${off}`);
        regs[dst] = BigInt(mem.readUInt32LE(off));
        pc++;
        break;
      }
      case OP.ALU32_AND_K:
        regs[dst] = (read(pc, dst) & BigInt(imm >>> 0)) & U32;
        pc++;
        break;
      case OP.ALU32_RSH_K:
        regs[dst] = (read(pc, dst) & U32) >> BigInt(imm & 31);
        pc++;
        break;
      case OP.ALU32_MOV_K:
        regs[dst] = BigInt(imm >>> 0);
        pc++;
        break;
      case OP.ALU32_MOV_X:
        regs[dst] = read(pc, src) & U32;
        pc++;
        break;
      case OP.JMP_JNE_K:
        pc = (read(pc, dst) & U64) !== signExtend32(imm) ? jump(pc, off) : pc + 1;
        break;
      case OP.JMP_JNE_X:
        pc = read(pc, dst) !== read(pc, src) ? jump(pc, off) : pc + 1;
        break;
      case OP.JMP_JEQ_K:
        pc = (read(pc, dst) & U64) === signExtend32(imm) ? jump(pc, off) : pc + 1;
        break;
      case OP.JMP_EXIT: {
        const r0 = read(pc, 0);
        if (r0 !== 0n && r0 !== 1n) throw new Error(`pc ${pc}: a device program must return 0 or 1, not ${r0}`);
        return Number(r0);
      }
      default:
        throw new Error(`pc ${pc}: opcode 0x${code.toString(16)} is not one the device filter emits`);
    }
  }
}
