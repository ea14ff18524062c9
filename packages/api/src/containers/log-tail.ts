/** What is read of a file: a FileHandle has it. */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

const NEWLINE = 0x0a;

export interface FileLine {
  /** Byte offset of the line's first byte. */
  start: number;
  /** The line without its newline. */
  line: Buffer;
}

/**
 * The lines of file[0, end) from the last to the first, reading backwards
 * chunkSize bytes at a time, so that the tail of a large log costs only
 * what is read of it. A last line without a newline is a line too.
 */
export async function* linesBackward(file: PositionalReader, end: number, chunkSize = 64 * 1024): AsyncGenerator<FileLine> {
  // Bytes after the last newline found so far, newest chunk last: a line may span many chunks.
  let tail: Buffer[] = [];
  let pos = end;
  let skipFinalNewline = true;
  // No bigger than the file, and not zeroed: only the bytes a read filled are looked at.
  const chunk = Buffer.allocUnsafe(Math.min(chunkSize, end));
  while (pos > 0) {
    const from = Math.max(0, pos - chunkSize);
    const { bytesRead } = await file.read(chunk, 0, pos - from, from);
    if (bytesRead !== pos - from) throw new Error(`short read at offset ${from}: the file shrank while it was read`);
    const data = chunk.subarray(0, bytesRead);
    let stop = data.length;
    if (skipFinalNewline) {
      // The newline that ends the last line does not begin an empty one.
      skipFinalNewline = false;
      if (data[stop - 1] === NEWLINE) stop--;
    }
    for (let nl = stop > 0 ? data.lastIndexOf(NEWLINE, stop - 1) : -1; nl >= 0; nl = nl > 0 ? data.lastIndexOf(NEWLINE, nl - 1) : -1) {
      const piece = Buffer.from(data.subarray(nl + 1, stop));
      yield { start: from + nl + 1, line: tail.length ? Buffer.concat([piece, ...tail.reverse()]) : piece };
      tail = [];
      stop = nl;
    }
    if (stop > 0) tail.push(Buffer.from(data.subarray(0, stop)));
    pos = from;
  }
  // The first line, which no newline precedes (it may be empty).
  if (end > 0) yield { start: 0, line: Buffer.concat(tail.reverse()) };
}
