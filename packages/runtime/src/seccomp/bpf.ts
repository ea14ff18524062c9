// Classic BPF as seccomp runs it (linux/filter.h, linux/bpf_common.h), and
// an assembler that resolves forward jumps to labels.

export const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  JMP_JA: 0x05, // BPF_JMP | BPF_JA
  JMP_JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JMP_JGT_K: 0x25,
  JMP_JGE_K: 0x35,
  JMP_JSET_K: 0x45,
  ALU_AND_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

/** The kernel refuses longer filters (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** Conditional jump offsets are 8 bits wide. */
const MAX_SHORT_JUMP = 255;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A jump target: a label, or `null` for "the next instruction". */
export type Target = string | null;

type Item =
  | { kind: 'insn'; insn: Insn }
  | { kind: 'label'; name: string }
  | { kind: 'jump'; code: number; k: number; jt: Target; jf: Target; longT: boolean; longF: boolean }
  | { kind: 'ja'; target: string };

export class SeccompProgramTooLongError extends Error {
  constructor(readonly length: number) {
    super(`the seccomp filter has ${length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }
}

/**
 * Builds a program from instructions and forward jumps to labels. Conditional
 * jumps whose target is more than 255 instructions away go through an
 * unconditional jump (32-bit offset) placed right after them.
 */
export class Assembler {
  private readonly items: Item[] = [];
  private labelCount = 0;

  /** A label name not used before. */
  newLabel(hint = 'L'): string {
    return `${hint}#${this.labelCount++}`;
  }

  label(name: string): void {
    this.items.push({ kind: 'label', name });
  }

  loadAbs(offset: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset } });
  }

  and(k: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF.ALU_AND_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  ret(k: number): void {
    this.items.push({ kind: 'insn', insn: { code: BPF.RET_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  /** Conditional jump on A compared with `k` (JEQ, JGT, JGE, JSET). */
  jump(code: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ kind: 'jump', code, k: k >>> 0, jt, jf, longT: false, longF: false });
  }

  ja(target: string): void {
    this.items.push({ kind: 'ja', target });
  }

  /** Resolves the labels; throws SeccompProgramTooLongError past BPF_MAXINSNS. */
  assemble(): Insn[] {
    for (;;) {
      const { positions, labels } = this.layout();
      let grew = false;
      this.items.forEach((item, i) => {
        if (item.kind !== 'jump') return;
        const after = positions[i]! + 1;
        const dist = (t: Target) => (t === null ? 0 : labels.get(t)! - after);
        if (!item.longT && dist(item.jt) > MAX_SHORT_JUMP) grew = item.longT = true;
        if (!item.longF && dist(item.jf) > MAX_SHORT_JUMP) grew = item.longF = true;
      });
      if (!grew) return this.emit(positions, labels);
    }
  }

  private size(item: Item): number {
    if (item.kind === 'label') return 0;
    if (item.kind === 'jump') return 1 + (item.longT ? 1 : 0) + (item.longF ? 1 : 0);
    return 1;
  }

  private layout(): { positions: number[]; labels: Map<string, number> } {
    const positions: number[] = [];
    const labels = new Map<string, number>();
    let pc = 0;
    for (const item of this.items) {
      positions.push(pc);
      if (item.kind === 'label') {
        if (labels.has(item.name)) throw new Error(`BPF label ${item.name} defined twice`);
        labels.set(item.name, pc);
      }
      pc += this.size(item);
    }
    return { positions, labels };
  }

  private emit(positions: number[], labels: Map<string, number>): Insn[] {
    const out: Insn[] = [];
    const target = (t: string, from: number) => {
      const at = labels.get(t);
      if (at === undefined) throw new Error(`BPF label ${t} is not defined`);
      if (at < from) throw new Error(`BPF label ${t} is behind its jump (BPF jumps go forward only)`);
      return at - from;
    };
    this.items.forEach((item, i) => {
      const pc = positions[i]!;
      if (item.kind === 'insn') out.push(item.insn);
      else if (item.kind === 'ja') out.push({ code: BPF.JMP_JA, jt: 0, jf: 0, k: target(item.target, pc + 1) });
      else if (item.kind === 'jump') {
        // Trampolines follow the jump: [jump][ja true-target]?[ja false-target]?
        const tPad = item.longT ? 1 : 0;
        const jt = item.jt === null ? tPad + (item.longF ? 1 : 0) : item.longT ? 0 : target(item.jt, pc + 1);
        const jf = item.jf === null ? tPad + (item.longF ? 1 : 0) : item.longF ? tPad : target(item.jf, pc + 1);
        out.push({ code: item.code, jt, jf, k: item.k });
        if (item.longT) out.push({ code: BPF.JMP_JA, jt: 0, jf: 0, k: target(item.jt!, pc + 2) });
        if (item.longF) out.push({ code: BPF.JMP_JA, jt: 0, jf: 0, k: target(item.jf!, pc + 2 + tPad) });
      }
    });
    if (out.length > BPF_MAXINSNS) throw new SeccompProgramTooLongError(out.length);
    return out;
  }
}

/** struct sock_filter[] as the kernel reads it: u16 code, u8 jt, u8 jf, u32 k, in host byte order. */
export function encodeProgram(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  insns.forEach((insn, i) => {
    const o = i * 8;
    if (le) {
      buf.writeUInt16LE(insn.code, o);
      buf.writeUInt32LE(insn.k >>> 0, o + 4);
    } else {
      buf.writeUInt16BE(insn.code, o);
      buf.writeUInt32BE(insn.k >>> 0, o + 4);
    }
    buf.writeUInt8(insn.jt, o + 2);
    buf.writeUInt8(insn.jf, o + 3);
  });
  return buf;
}

/** The inverse of encodeProgram (host byte order). */
export function decodeProgram(buf: Buffer): Insn[] {
  if (buf.length % 8) throw new Error(`a BPF program is a multiple of 8 bytes, not ${buf.length}`);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const out: Insn[] = [];
  for (let o = 0; o < buf.length; o += 8) {
    out.push({
      code: le ? buf.readUInt16LE(o) : buf.readUInt16BE(o),
      jt: buf.readUInt8(o + 2),
      jf: buf.readUInt8(o + 3),
      k: le ? buf.readUInt32LE(o + 4) : buf.readUInt32BE(o + 4),
    });
  }
  return out;
}
