// gRPC's length-prefixed messages over an HTTP/2 stream: a flag byte
// (compressed or not), a 4-byte big-endian length, the message.

const PREFIX = 5;

export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX + message.byteLength);
  out[0] = 0;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, PREFIX);
  return out;
}

export class FrameTooLarge extends Error {}
export class CompressedFrame extends Error {}

/** Cuts the chunks an HTTP/2 stream delivers into whole messages. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxLength: number) {}

  /** The whole messages completed by `chunk`; throws on a frame over the limit or a compressed one. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const messages: Buffer[] = [];
    while (this.buffered >= PREFIX) {
      const head = this.peek(PREFIX);
      const length = head.readUInt32BE(1);
      if (head[0] !== 0) throw new CompressedFrame('received a compressed message, but no compression was offered');
      if (length > this.maxLength) throw new FrameTooLarge(`Received message larger than max (${length} vs. ${this.maxLength})`);
      if (this.buffered < PREFIX + length) break;
      messages.push(this.take(PREFIX + length).subarray(PREFIX));
    }
    return messages;
  }

  /** Bytes of a message begun and not finished. */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.byteLength < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = whole.subarray(n);
    this.chunks = rest.byteLength ? [rest] : [];
    this.buffered -= n;
    return whole.subarray(0, n);
  }
}
