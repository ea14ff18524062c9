// A tar stream is many small pieces (512-byte headers, padding, the data of
// small files); sent one gRPC message each, the messages' fixed cost is most
// of a copy's CPU. These are the pieces regrouped into messages of about
// `size` bytes: small ones are joined, a big one goes as it is.

const MESSAGE_BYTES = 1024 * 1024;

export async function* coalesceChunks(source: AsyncIterable<Uint8Array>, size = MESSAGE_BYTES): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const out = pending.length === 1 ? asBuffer(pending[0]!) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  for await (const chunk of source) {
    if (chunk.byteLength === 0) continue;
    if (chunk.byteLength >= size) {
      if (pendingBytes) yield flush();
      // Never more than `size` in one message (the receiver's limit is per message).
      for (let off = 0; off < chunk.byteLength; off += size) yield asBuffer(chunk.subarray(off, off + size));
      continue;
    }
    if (pendingBytes + chunk.byteLength > size) yield flush();
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
  }
  if (pendingBytes) yield flush();
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
