/** One eBPF instruction, `struct bpf_insn`: opcode, registers, jump offset, immediate. */
export interface EbpfInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** The opcodes the device filter uses (linux/bpf.h: class | op | source). */
export const OP = {
  /** dst = *(u32 *)(src + off) */
  LDX_MEM_W: 0x61,
  /** w_dst &= imm (32-bit ALU: the upper half becomes 0) */
  ALU32_AND_K: 0x54,
  /** w_dst >>= imm */
  ALU32_RSH_K: 0x74,
  /** w_dst = imm */
  ALU32_MOV_K: 0xb4,
  /** w_dst = w_src */
  ALU32_MOV_X: 0xbc,
  /** if dst != imm (sign-extended) goto pc + 1 + off */
  JMP_JNE_K: 0x55,
  /** if dst != src goto pc + 1 + off */
  JMP_JNE_X: 0x5d,
  /** if dst == imm goto pc + 1 + off */
  JMP_JEQ_K: 0x15,
  /** return r0 */
  JMP_EXIT: 0x95,
} as const;

export const INSN_SIZE = 8;

/** Little-endian `struct bpf_insn`s, as BPF_PROG_LOAD reads them on x86_64 and aarch64. */
export function encodeProgram(insns: readonly EbpfInsn[]): Buffer {
  const out = Buffer.alloc(insns.length * INSN_SIZE);
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    out.writeUInt8(insn.code, at);
    out.writeUInt8((insn.dst & 0xf) | ((insn.src & 0xf) << 4), at + 1);
    out.writeInt16LE(insn.off, at + 2);
    out.writeInt32LE(insn.imm | 0, at + 4);
  });
  return out;
}

export function decodeProgram(program: Buffer): EbpfInsn[] {
  if (program.length % INSN_SIZE !== 0) throw new Error(`an eBPF program is a list of ${INSN_SIZE}-byte instructions, not ${program.length} bytes`);
  const out: EbpfInsn[] = [];
  for (let at = 0; at < program.length; at += INSN_SIZE) {
    const regs = program.readUInt8(at + 1);
    out.push({ code: program.readUInt8(at), dst: regs & 0xf, src: regs >> 4, off: program.readInt16LE(at + 2), imm: program.readInt32LE(at + 4) });
  }
  return out;
}
