// Docker's stdcopy framing (moby/pkg/stdcopy): how a stream without a TTY
// carries stdout and stderr on one connection.

/** The stream ids of a frame header. */
export const STDCOPY_STDOUT = 1;
export const STDCOPY_STDERR = 2;

/** Bytes of a frame header: the stream id, three zero bytes, the payload's length as a big-endian uint32. */
export const STDCOPY_HEADER_SIZE = 8;

/** The largest payload one frame can carry. */
const MAX_FRAME_PAYLOAD = 0xffff_ffff;

/** One frame (header and payload) of `data` on `stream`; an empty payload gives no frame, as Docker's StdWriter writes none. */
export function stdcopyFrame(stream: typeof STDCOPY_STDOUT | typeof STDCOPY_STDERR, data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  if (data.length > MAX_FRAME_PAYLOAD) throw new RangeError(`a stdcopy frame carries at most ${MAX_FRAME_PAYLOAD} bytes`);
  const frame = Buffer.allocUnsafe(STDCOPY_HEADER_SIZE + data.length);
  frame.writeUInt8(stream, 0);
  frame.writeUInt8(0, 1);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt32BE(data.length, 4);
  frame.set(data, STDCOPY_HEADER_SIZE);
  return frame;
}
