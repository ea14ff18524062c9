// SPDY/3.1 framing (draft 3.1): the frames a Kubernetes streaming connection
// uses, read incrementally from a byte stream and written back, and the
// name/value header block inside SYN_STREAM, SYN_REPLY and HEADERS (before
// its zlib compression, spdy-header-zlib.ts).

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** RST_STREAM statuses. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;
/** The largest DATA payload a frame's 24-bit length can carry. */
export const MAX_FRAME_LENGTH = 0xffffff;

export enum ControlType {
  SYN_STREAM = 1,
  SYN_REPLY = 2,
  RST_STREAM = 3,
  SETTINGS = 4,
  PING = 6,
  GOAWAY = 7,
  HEADERS = 8,
  WINDOW_UPDATE = 9,
}

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedTo: number; priority: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control frame of another type or version: skipped, as the draft asks. */
  | { type: 'unknown'; version: number; controlType: number };

export class SpdyProtocolError extends Error {}

const STREAM_ID = 0x7fffffff;

/** Splits a byte stream into frames; `push` answers the frames completed by each chunk. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const length = this.pending.readUIntBE(offset + 5, 3);
      if (this.pending.length - offset < 8 + length) break;
      frames.push(parseFrame(this.pending.subarray(offset, offset + 8), this.pending.subarray(offset + 8, offset + 8 + length)));
      offset += 8 + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }
}

function parseFrame(head: Buffer, body: Buffer): SpdyFrame {
  const flags = head[4]!;
  if (!(head[0]! & 0x80)) return { type: 'data', streamId: head.readUInt32BE(0) & STREAM_ID, flags, data: Buffer.from(body) };
  const version = head.readUInt16BE(0) & 0x7fff;
  const controlType = head.readUInt16BE(2);
  if (version !== SPDY_VERSION) return { type: 'unknown', version, controlType };
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`SPDY ${ControlType[controlType] ?? controlType} frame too short (${body.length} bytes)`);
  };
  switch (controlType) {
    case ControlType.SYN_STREAM:
      need(10);
      return {
        type: 'syn_stream',
        streamId: body.readUInt32BE(0) & STREAM_ID,
        associatedTo: body.readUInt32BE(4) & STREAM_ID,
        priority: body[8]! >> 5,
        flags,
        headerBlock: Buffer.from(body.subarray(10)),
      };
    case ControlType.SYN_REPLY:
    case ControlType.HEADERS:
      need(4);
      return { type: controlType === ControlType.SYN_REPLY ? 'syn_reply' : 'headers', streamId: body.readUInt32BE(0) & STREAM_ID, flags, headerBlock: Buffer.from(body.subarray(4)) };
    case ControlType.RST_STREAM:
      need(8);
      return { type: 'rst_stream', streamId: body.readUInt32BE(0) & STREAM_ID, status: body.readUInt32BE(4) };
    case ControlType.SETTINGS: {
      need(4);
      const count = body.readUInt32BE(0);
      need(4 + count * 8);
      const entries = Array.from({ length: count }, (_, i) => ({ flags: body[4 + i * 8]!, id: body.readUIntBE(5 + i * 8, 3), value: body.readUInt32BE(8 + i * 8) }));
      return { type: 'settings', entries };
    }
    case ControlType.PING:
      need(4);
      return { type: 'ping', id: body.readUInt32BE(0) };
    case ControlType.GOAWAY:
      need(4);
      return { type: 'goaway', lastGoodStreamId: body.readUInt32BE(0) & STREAM_ID, status: body.length >= 8 ? body.readUInt32BE(4) : 0 };
    case ControlType.WINDOW_UPDATE:
      need(8);
      return { type: 'window_update', streamId: body.readUInt32BE(0) & STREAM_ID, delta: body.readUInt32BE(4) & STREAM_ID };
    default:
      return { type: 'unknown', version, controlType };
  }
}

function control(controlType: ControlType, flags: number, body: Buffer): Buffer {
  if (body.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`SPDY frame of ${body.length} bytes is too long`);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(controlType, 2);
  head[4] = flags;
  head.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([head, body]);
}

const words = (...values: number[]) => {
  const body = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => body.writeUInt32BE(v >>> 0, i * 4));
  return body;
};

/** A frame on the wire; header blocks must be compressed already. */
export function encodeFrame(frame: Exclude<SpdyFrame, { type: 'unknown' }>): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`SPDY frame of ${frame.data.length} bytes is too long`);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & STREAM_ID, 0);
      head[4] = frame.flags;
      head.writeUIntBE(frame.data.length, 5, 3);
      return Buffer.concat([head, frame.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & STREAM_ID, 0);
      fixed.writeUInt32BE(frame.associatedTo & STREAM_ID, 4);
      fixed[8] = (frame.priority & 0x7) << 5;
      return control(ControlType.SYN_STREAM, frame.flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'syn_reply':
    case 'headers':
      return control(frame.type === 'syn_reply' ? ControlType.SYN_REPLY : ControlType.HEADERS, frame.flags, Buffer.concat([words(frame.streamId & STREAM_ID), frame.headerBlock]));
    case 'rst_stream':
      return control(ControlType.RST_STREAM, 0, words(frame.streamId & STREAM_ID, frame.status));
    case 'settings': {
      const body = Buffer.alloc(4 + frame.entries.length * 8);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        body[4 + i * 8] = e.flags;
        body.writeUIntBE(e.id, 5 + i * 8, 3);
        body.writeUInt32BE(e.value, 8 + i * 8);
      });
      return control(ControlType.SETTINGS, 0, body);
    }
    case 'ping':
      return control(ControlType.PING, 0, words(frame.id));
    case 'goaway':
      return control(ControlType.GOAWAY, 0, words(frame.lastGoodStreamId & STREAM_ID, frame.status));
    case 'window_update':
      return control(ControlType.WINDOW_UPDATE, 0, words(frame.streamId & STREAM_ID, frame.delta & STREAM_ID));
  }
}

/** Header names are lower case on the wire; a name's values are joined by NUL. */
export type SpdyHeaders = Map<string, string[]>;

/** The uncompressed name/value block: a 32-bit count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [words(headers.size)];
  for (const [name, values] of headers) {
    for (const text of [name.toLowerCase(), values.join('\0')]) {
      const bytes = Buffer.from(text, 'utf8');
      parts.push(words(bytes.length), bytes);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let offset = 0;
  const take = () => {
    if (block.length < offset + 4) throw new SpdyProtocolError('SPDY header block is truncated');
    const length = block.readUInt32BE(offset);
    if (block.length < offset + 4 + length) throw new SpdyProtocolError('SPDY header block is truncated');
    const text = block.toString('utf8', offset + 4, offset + 4 + length);
    offset += 4 + length;
    return text;
  };
  if (block.length < 4) throw new SpdyProtocolError('SPDY header block is truncated');
  const count = block.readUInt32BE(0);
  offset = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const values = take().split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}
