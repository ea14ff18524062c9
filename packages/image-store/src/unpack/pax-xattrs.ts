// tar-stream decodes PAX records as UTF-8, which mangles binary extended
// attribute values (security.capability is binary). This pass-through reads
// the same tar headers tar-stream reads and keeps each entry's
// SCHILY.xattr.* values as raw bytes, by entry index, for the unpacker.
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
const XATTR_PREFIX = 'SCHILY.xattr.';

/** Parses PAX records ("<len> <key>=<value>\n"), keeping values as bytes. */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= space - pos || pos + len > data.length) break;
    const record = data.subarray(space + 1, pos + len - 1); // without the trailing "\n"
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.subarray(0, eq).toString('utf8'), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

function headerSize(block: Buffer): number | undefined {
  const field = block.subarray(124, 136);
  if (field[0]! & 0x80) {
    // base-256 (GNU): big-endian, the top bit of the first byte marks it
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

export class PaxXattrScanner extends Transform {
  /** Raw xattrs by entry index (the order tar-stream emits entries in); entries without any are absent. */
  readonly xattrs = new Map<number, Map<string, Buffer>>();
  private pending: Buffer = Buffer.alloc(0);
  private entry = 0;
  /** Bytes of entry data (or long header) still to skip or collect. */
  private remaining = 0;
  private collecting: Buffer[] | undefined;
  private collectingType = '';
  private paxLocal: Map<string, Buffer> | undefined;
  private paxGlobal = new Map<string, Buffer>();
  private broken = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.broken) this.scan(chunk);
    cb(null, chunk);
  }

  /** The raw SCHILY.xattr.* values of entry `index`, by attribute name. */
  xattrsOf(index: number): Map<string, Buffer> | undefined {
    return this.xattrs.get(index);
  }

  private scan(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (this.remaining > 0) {
        const padded = Math.ceil(this.remaining / BLOCK) * BLOCK;
        if (this.collecting) {
          if (this.pending.length - off < padded) break;
          this.finishLongHeader(this.pending.subarray(off, off + this.remaining));
          this.collecting = undefined;
        } else if (this.pending.length - off < padded) {
          // Skip what we have of the data, keeping block alignment.
          const have = Math.floor((this.pending.length - off) / BLOCK) * BLOCK;
          off += have;
          this.remaining -= Math.min(this.remaining, have);
          break;
        }
        off += padded;
        this.remaining = 0;
        continue;
      }
      if (this.pending.length - off < BLOCK) break;
      const block = this.pending.subarray(off, off + BLOCK);
      off += BLOCK;
      if (block.every((b) => b === 0)) continue; // end-of-archive blocks
      const size = headerSize(block);
      if (size === undefined) {
        this.broken = true; // tar-stream reports the bad header
        return;
      }
      const type = String.fromCharCode(block[156]!);
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        this.collecting = [];
        this.collectingType = type;
        this.remaining = size;
        if (size === 0) {
          this.finishLongHeader(Buffer.alloc(0));
          this.collecting = undefined;
        }
        continue;
      }
      const pax = new Map([...this.paxGlobal, ...(this.paxLocal ?? [])]);
      const xattrs = new Map<string, Buffer>();
      for (const [k, v] of pax) if (k.startsWith(XATTR_PREFIX)) xattrs.set(k.slice(XATTR_PREFIX.length), v);
      if (xattrs.size) this.xattrs.set(this.entry, xattrs);
      const paxSize = pax.get('size');
      this.paxLocal = undefined;
      this.entry++;
      this.remaining = type === '5' ? 0 : paxSize !== undefined ? Number(paxSize.toString('latin1')) : size;
    }
    this.pending = this.pending.subarray(off);
  }

  private finishLongHeader(data: Buffer): void {
    if (this.collectingType === 'x') this.paxLocal = parsePaxRecords(data);
    else if (this.collectingType === 'g') this.paxGlobal = new Map([...this.paxGlobal, ...parsePaxRecords(data)]);
  }
}
