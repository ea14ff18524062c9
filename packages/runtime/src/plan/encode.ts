import { Msg, Op, PLAN_MAGIC, type PlanArg, type PlanOp } from './ops.js';

function argBytes(arg: PlanArg): Buffer {
  if (Buffer.isBuffer(arg)) return arg;
  if (typeof arg === 'number') {
    if (!Number.isSafeInteger(arg) || arg < 0) throw new RangeError(`plan argument ${arg} is not a non-negative integer`);
    return Buffer.from(String(arg));
  }
  if (typeof arg === 'bigint') {
    if (arg < 0n) throw new RangeError(`plan argument ${arg} is negative`);
    return Buffer.from(arg.toString());
  }
  return Buffer.from(arg, 'utf8');
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Encodes a record: u32 op, u32 argc, then each argument as u32 length + bytes (little-endian). */
export function encodeRecord(op: number, args: readonly PlanArg[]): Buffer {
  const parts: Buffer[] = [u32(op), u32(args.length)];
  for (const a of args) {
    const b = argBytes(a);
    parts.push(u32(b.length), b);
  }
  return Buffer.concat(parts);
}

/** The bytes ce-init reads on its plan fd. */
export function encodePlan(plan: readonly PlanOp[]): Buffer {
  return Buffer.concat([Buffer.from(PLAN_MAGIC, 'ascii'), ...plan.map((p) => encodeRecord(Op[p.op], p.args))]);
}

export interface Record {
  op: number;
  args: Buffer[];
}

/**
 * Incremental decoder for the records ce-init writes on its sync fd (and, for
 * tests, for plans once the magic is stripped).
 */
export class RecordDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Record[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Record[] = [];
    for (;;) {
      const rec = this.next();
      if (!rec) break;
      out.push(rec);
    }
    return out;
  }

  /** Bytes received that do not make a whole record yet. */
  get pending(): number {
    return this.buf.length;
  }

  private next(): Record | undefined {
    const b = this.buf;
    if (b.length < 8) return undefined;
    const op = b.readUInt32LE(0);
    const argc = b.readUInt32LE(4);
    let off = 8;
    const args: Buffer[] = [];
    for (let i = 0; i < argc; i++) {
      if (b.length < off + 4) return undefined;
      const len = b.readUInt32LE(off);
      if (b.length < off + 4 + len) return undefined;
      args.push(b.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    this.buf = b.subarray(off);
    return { op, args };
  }
}

/** Decodes a whole plan (the inverse of encodePlan). */
export function decodePlan(bytes: Buffer): Array<{ op: string; args: string[] }> {
  if (bytes.subarray(0, 8).toString('ascii') !== PLAN_MAGIC) throw new Error('plan: bad magic');
  const names = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));
  const dec = new RecordDecoder();
  const recs = dec.push(bytes.subarray(8));
  if (dec.pending) throw new Error('plan: truncated');
  return recs.map((r) => ({ op: names.get(r.op) ?? String(r.op), args: r.args.map((a) => a.toString('utf8')) }));
}

export { Msg };
