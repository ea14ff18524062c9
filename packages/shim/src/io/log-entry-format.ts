import { fstatSync, readSync } from 'node:fs';
import { encodeLocalEntry, wholeFramesEnd, type StreamName } from '@ce/protocol';

/** How a log driver stores one entry (a line with its newline, or a piece of a longer one). */
export interface LogEntryFormat {
  /** `ended`: the last piece of a stream that ended without a newline. */
  encode(log: string, stream: StreamName, time: Date, ended?: boolean): Buffer;
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

/**
 * The kubelet's CRI log format (containerd's cri logger): `<RFC 3339 time with
 * nanoseconds> <stream> <tag> <line>` and a newline, the tag `P` for a piece of
 * a longer line and `F` for a line's end (also a stream's last piece without
 * a newline, as containerd writes it).
 */
export const criFormat: LogEntryFormat = {
  encode(log, stream, time, ended = false) {
    const whole = log.endsWith('\n');
    const tag = whole || ended ? 'F' : 'P';
    return Buffer.from(`${rfc3339Nano(time)} ${stream} ${tag} ${whole ? log : `${log}\n`}`);
  },
};

/** Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
function rfc3339Nano(time: Date): string {
  const iso = time.toISOString(); // 2026-12-07T12:00:00.120Z
  const [seconds, fraction = ''] = iso.slice(0, -1).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${seconds}${trimmed ? `.${trimmed}` : ''}Z`;
}
