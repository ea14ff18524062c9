import { fstatSync, readSync } from 'node:fs';
import { encodeLocalEntry, wholeFramesEnd, type StreamName } from '@ce/protocol';

/** How a log driver stores one entry (a line with its newline, or a piece of a longer one). */
export interface LogEntryFormat {
  encode(log: string, stream: StreamName, time: Date): Buffer;
  /** Where the whole entries of an existing file end; unset: after its last newline. */
  wholeRecordsEnd?: (fd: number) => number;
}

/** Docker's json-file: {"log":"<text with its newline>","stream":"stdout","time":"<RFC 3339>"} per line. */
export const jsonFileFormat: LogEntryFormat = {
  encode: (log, stream, time) => Buffer.from(JSON.stringify({ log, stream, time: time.toISOString() }) + '\n'),
};

/** Docker's local driver: length-framed protobuf LogEntry; the line without its newline, partial when it has none. */
export const localFormat: LogEntryFormat = {
  encode(log, stream, time) {
    const whole = log.endsWith('\n');
    return encodeLocalEntry({
      source: stream,
      timeNano: BigInt(time.getTime()) * 1_000_000n,
      line: Buffer.from(whole ? log.slice(0, -1) : log),
      partial: !whole,
    });
  },
  wholeRecordsEnd(fd) {
    // Frames cannot be found from the end when the last one is torn: walk them from the start.
    const size = fstatSync(fd).size;
    const data = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, data, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return wholeFramesEnd(data.subarray(0, read));
  },
};
