// Netlink attributes (struct nlattr, man 7 netlink): a u16 length that counts
// the 4-byte header and the value but not the padding, a u16 type, the value,
// then padding to 4 bytes. Integers are in host order (little-endian here).
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants.js';

export const align4 = (n: number): number => (n + 3) & ~3;

export function attr(type: number, value: Uint8Array): Buffer {
  const out = Buffer.alloc(align4(4 + value.length));
  out.writeUInt16LE(4 + value.length, 0);
  out.writeUInt16LE(type, 2);
  out.set(value, 4);
  return out;
}

export function u8Attr(type: number, value: number): Buffer {
  return attr(type, Uint8Array.of(value));
}

export function u32Attr(type: number, value: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeUInt32LE(value >>> 0);
  return attr(type, v);
}

/** A NUL-terminated string, as the kernel expects names and kinds. */
export function stringAttr(type: number, value: string): Buffer {
  return attr(type, Buffer.from(`${value}\0`, 'utf8'));
}

/**
 * Attributes inside an attribute. `flagNested` sets NLA_F_NESTED, which most
 * nests do not need but some require (IFLA_PROTINFO: without it the bridge
 * reads the legacy one-byte port state).
 */
export function nestedAttr(type: number, children: readonly Uint8Array[], flagNested = false): Buffer {
  return attr(flagNested ? type | NLA_F_NESTED : type, Buffer.concat(children));
}

/** The attributes in buf[start, end) by type (flags masked off); a repeated type keeps the last. */
export function parseAttributes(buf: Buffer, start = 0, end = buf.length): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) break;
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export function readString(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const nul = value.indexOf(0);
  return value.toString('utf8', 0, nul < 0 ? value.length : nul);
}

export function readU32(value: Buffer | undefined): number | undefined {
  return value && value.length >= 4 ? value.readUInt32LE(0) : undefined;
}
