// Netlink messages (struct nlmsghdr, man 7 netlink) and the fixed headers of
// rtnetlink's families (man 7 rtnetlink): ifinfomsg for links, ifaddrmsg for
// addresses, rtmsg for routes. Attributes follow each fixed header.
import { align4 } from './attributes.js';
import { NLMSG_HDRLEN } from './constants.js';

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** What follows the nlmsghdr, up to the message's length. */
  payload: Buffer;
}

export function encodeMessage(type: number, flags: number, seq: number, parts: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const out = Buffer.alloc(NLMSG_HDRLEN + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(0, 12); // to the kernel
  out.set(body, NLMSG_HDRLEN);
  return out;
}

/** Splits one received datagram into its messages; a truncated tail is an error. */
export function decodeMessages(datagram: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= datagram.length) {
    const len = datagram.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > datagram.length) {
      throw new Error(`malformed netlink message at offset ${off}: length ${len} in a datagram of ${datagram.length} bytes`);
    }
    out.push({
      type: datagram.readUInt16LE(off + 4),
      flags: datagram.readUInt16LE(off + 6),
      seq: datagram.readUInt32LE(off + 8),
      pid: datagram.readUInt32LE(off + 12),
      payload: datagram.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

export const IFINFOMSG_LEN = 16;

export interface IfInfo {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

export function encodeIfInfo(info: Partial<IfInfo> = {}): Buffer {
  const out = Buffer.alloc(IFINFOMSG_LEN);
  out.writeUInt8(info.family ?? 0, 0);
  out.writeUInt16LE(info.type ?? 0, 2);
  out.writeInt32LE(info.index ?? 0, 4);
  out.writeUInt32LE((info.flags ?? 0) >>> 0, 8);
  out.writeUInt32LE((info.change ?? 0) >>> 0, 12);
  return out;
}

export function decodeIfInfo(payload: Buffer): IfInfo {
  return {
    family: payload.readUInt8(0),
    type: payload.readUInt16LE(2),
    index: payload.readInt32LE(4),
    flags: payload.readUInt32LE(8),
    change: payload.readUInt32LE(12),
  };
}

export const IFADDRMSG_LEN = 8;

export interface IfAddr {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
}

export function encodeIfAddr(a: Partial<IfAddr> = {}): Buffer {
  const out = Buffer.alloc(IFADDRMSG_LEN);
  out.writeUInt8(a.family ?? 0, 0);
  out.writeUInt8(a.prefixlen ?? 0, 1);
  out.writeUInt8(a.flags ?? 0, 2);
  out.writeUInt8(a.scope ?? 0, 3);
  out.writeUInt32LE(a.index ?? 0, 4);
  return out;
}

export function decodeIfAddr(payload: Buffer): IfAddr {
  return {
    family: payload.readUInt8(0),
    prefixlen: payload.readUInt8(1),
    flags: payload.readUInt8(2),
    scope: payload.readUInt8(3),
    index: payload.readUInt32LE(4),
  };
}

export const RTMSG_LEN = 12;

export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function encodeRtMsg(r: Partial<RtMsg> = {}): Buffer {
  const out = Buffer.alloc(RTMSG_LEN);
  out.writeUInt8(r.family ?? 0, 0);
  out.writeUInt8(r.dstLen ?? 0, 1);
  out.writeUInt8(r.srcLen ?? 0, 2);
  out.writeUInt8(r.tos ?? 0, 3);
  out.writeUInt8(r.table ?? 0, 4);
  out.writeUInt8(r.protocol ?? 0, 5);
  out.writeUInt8(r.scope ?? 0, 6);
  out.writeUInt8(r.type ?? 0, 7);
  out.writeUInt32LE((r.flags ?? 0) >>> 0, 8);
  return out;
}

export function decodeRtMsg(payload: Buffer): RtMsg {
  return {
    family: payload.readUInt8(0),
    dstLen: payload.readUInt8(1),
    srcLen: payload.readUInt8(2),
    tos: payload.readUInt8(3),
    table: payload.readUInt8(4),
    protocol: payload.readUInt8(5),
    scope: payload.readUInt8(6),
    type: payload.readUInt8(7),
    flags: payload.readUInt32LE(8),
  };
}
