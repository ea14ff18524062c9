// Docker's `local` log driver file format: each entry is a protobuf
// docker.logdriver.LogEntry (source=1, time_nano=2, line=3, partial=4) framed by its
// length as a big-endian uint32 before and after, so the file can be read backwards.

export interface LocalLogEntry {
  /** "stdout" or "stderr". */
  source: string;
  timeNano: bigint;
  /** The line without its newline. */
  line: Buffer;
  /** The line goes on in the next entry of its stream (it was longer than 16 KiB, or is unfinished). */
  partial: boolean;
}

/** Bytes of each of the two length fields around an entry. */
export const LOCAL_FRAME_OVERHEAD = 8;

export function encodeLocalEntry(e: LocalLogEntry): Buffer {
  const parts: Buffer[] = [];
  if (e.source) parts.push(Buffer.from([0x0a]), varint(BigInt(Buffer.byteLength(e.source))), Buffer.from(e.source));
  if (e.timeNano !== 0n) parts.push(Buffer.from([0x10]), varint(BigInt.asUintN(64, e.timeNano)));
  if (e.line.length) parts.push(Buffer.from([0x1a]), varint(BigInt(e.line.length)), e.line);
  if (e.partial) parts.push(Buffer.from([0x20, 0x01]));
  const size = parts.reduce((n, p) => n + p.length, 0);
  const frame = Buffer.allocUnsafe(size + LOCAL_FRAME_OVERHEAD);
  frame.writeUInt32BE(size, 0);
  let at = 4;
  for (const p of parts) at += p.copy(frame, at);
  frame.writeUInt32BE(size, at);
  return frame;
}

/** Decodes one entry's protobuf message (without its length fields); unknown fields are skipped. */
export function decodeLocalEntry(msg: Buffer): LocalLogEntry {
  const e: LocalLogEntry = { source: '', timeNano: 0n, line: Buffer.alloc(0), partial: false };
  let at = 0;
  while (at < msg.length) {
    const [key, afterKey] = readVarint(msg, at);
    at = afterKey;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, next] = readVarint(msg, at);
      at = next;
      if (field === 2) e.timeNano = BigInt.asIntN(64, v);
      else if (field === 4) e.partial = v !== 0n;
    } else if (wire === 2) {
      const [len, next] = readVarint(msg, at);
      const end = next + Number(len);
      if (end > msg.length) throw new Error('truncated local log entry');
      if (field === 1) e.source = msg.toString('utf8', next, end);
      else if (field === 3) e.line = msg.subarray(next, end);
      at = end;
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw new Error(`local log entry: unexpected wire type ${wire}`);
    }
  }
  return e;
}

/**
 * Where the whole frames of data end, walking forward from its start: a writer that
 * died mid-entry leaves a torn last frame, and data may end inside one being written.
 */
export function wholeFramesEnd(data: Buffer): number {
  let at = 0;
  while (at + 4 <= data.length) {
    const size = data.readUInt32BE(at);
    const end = at + size + LOCAL_FRAME_OVERHEAD;
    if (end > data.length || data.readUInt32BE(end - 4) !== size) break;
    at = end;
  }
  return at;
}

function varint(v: bigint): Buffer {
  const bytes: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    bytes.push(b);
  } while (v);
  return Buffer.from(bytes);
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated varint in local log entry');
    const b = buf[at++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, at];
    shift += 7n;
  }
}
