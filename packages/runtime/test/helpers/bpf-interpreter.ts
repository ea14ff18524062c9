// A small classic-BPF interpreter for the instructions a seccomp filter may
// use, to check compiled programs by running them on seccomp_data.
import { BPF, BPF_MAXINSNS, decodeProgram, type Insn } from '../../src/seccomp/bpf.js';

export interface SeccompData {
  nr: number;
  arch: number;
  /** Up to six u64 arguments. */
  args?: Array<number | bigint>;
}

/** struct seccomp_data as the kernel lays it out (little-endian). */
function dataBytes(d: SeccompData): Buffer {
  const b = Buffer.alloc(64);
  b.writeInt32LE(d.nr | 0, 0);
  b.writeUInt32LE(d.arch >>> 0, 4);
  (d.args ?? []).forEach((a, i) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 16 + 8 * i));
  return b;
}

/** Runs `program` on `data` and returns the filter's verdict (the SECCOMP_RET_* value). */
export function runFilter(program: Buffer | readonly Insn[], data: SeccompData): number {
  const insns = Buffer.isBuffer(program) ? decodeProgram(program) : program;
  if (insns.length === 0 || insns.length > BPF_MAXINSNS) throw new Error(`bad program length ${insns.length}`);
  const mem = dataBytes(data);
  let a = 0;
  for (let pc = 0; pc < insns.length; ) {
    const { code, jt, jf, k } = insns[pc]!;
    switch (code) {
      case BPF.LD_W_ABS:
        if (k % 4 || k + 4 > 64) throw new Error(`pc ${pc}: load at bad offset ${k}`);
        a = mem.readUInt32LE(k);
        pc++;
        break;
      case BPF.ALU_AND_K:
        a = (a & k) >>> 0;
        pc++;
        break;
      case BPF.JMP_JA:
        pc += 1 + k;
        break;
      case BPF.JMP_JEQ_K:
        pc += 1 + (a === k ? jt : jf);
        break;
      case BPF.JMP_JGT_K:
        pc += 1 + (a > k ? jt : jf);
        break;
      case BPF.JMP_JGE_K:
        pc += 1 + (a >= k ? jt : jf);
        break;
      case BPF.JMP_JSET_K:
        pc += 1 + ((a & k) !== 0 ? jt : jf);
        break;
      case BPF.RET_K:
        return k >>> 0;
      default:
        throw new Error(`pc ${pc}: unsupported instruction code 0x${code.toString(16)}`);
    }
  }
  throw new Error('the program ran past its end without returning');
}
