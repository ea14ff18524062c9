import { decodeLocalEntry, wholeFramesEnd, LOCAL_FRAME_OVERHEAD } from '@ce/protocol';
import { linesBackward } from './log-tail.js';

export type LogStreamName = 'stdout' | 'stderr';

/** One log entry as docker logs sees it, whatever the driver's file format. */
export interface LogEntry {
  /** The text, with its newline unless the line goes on in the next entry of its stream. */
  log: string;
  stream: LogStreamName;
  /** RFC 3339 with a fraction. */
  time: string;
}

/** Something to read a log file from: an open file, or a rotated file unzipped in memory. */
export interface ReadableLogFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  size(): Promise<number>;
}

/** How a driver's file splits into records (a line; a framed entry) and what each record says. */
export interface LogRecordFormat {
  /** The whole records at the start of data, and how many bytes they take. */
  split(data: Buffer): { records: Buffer[]; used: number };
  /** The records of file[0, end), last first, with where each begins and ends. */
  backward(file: ReadableLogFile, end: number): AsyncGenerator<{ start: number; end: number; record: Buffer }>;
  /** Where the whole records end: a writer may be in the middle of the last one. */
  wholeEnd(file: ReadableLogFile): Promise<number>;
  parse(record: Buffer): LogEntry | undefined;
}

const NEWLINE = 0x0a;

export const jsonFileRecords: LogRecordFormat = {
  split(data) {
    const records: Buffer[] = [];
    let start = 0;
    for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
      records.push(data.subarray(start, nl));
      start = nl + 1;
    }
    return { records, used: start };
  },
  async *backward(file, end) {
    for await (const { start, line } of linesBackward(file, end)) yield { start, end: start + line.length + 1, record: line };
  },
  async wholeEnd(file) {
    const size = await file.size();
    for await (const { start, line } of linesBackward(file, size)) {
      return start + line.length === size ? start : size;
    }
    return 0;
  },
  parse(line) {
    if (line.length === 0) return undefined;
    try {
      const e = JSON.parse(line.toString('utf8')) as LogEntry;
      return typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr') && typeof e.time === 'string' ? e : undefined;
    } catch {
      return undefined;
    }
  },
};

export const localRecords: LogRecordFormat = {
  split(data) {
    const records: Buffer[] = [];
    let at = 0;
    while (at + 4 <= data.length) {
      const size = data.readUInt32BE(at);
      const end = at + size + LOCAL_FRAME_OVERHEAD;
      if (end > data.length) break;
      records.push(data.subarray(at + 4, end - 4));
      at = end;
    }
    return { records, used: at };
  },
  async *backward(file, end) {
    const len = Buffer.alloc(4);
    let pos = end;
    while (pos >= LOCAL_FRAME_OVERHEAD) {
      await readFully(file, len, pos - 4);
      const size = len.readUInt32BE(0);
      const start = pos - size - LOCAL_FRAME_OVERHEAD;
      if (start < 0) throw new Error(`local log: a frame of ${size} bytes does not fit before offset ${pos}`);
      const record = Buffer.alloc(size);
      await readFully(file, record, start + 4);
      yield { start, end: pos, record };
      pos = start;
    }
  },
  async wholeEnd(file) {
    const size = await file.size();
    if (size < LOCAL_FRAME_OVERHEAD) return 0;
    // Usually the last frame is whole: its two lengths agree.
    const len = Buffer.alloc(4);
    await readFully(file, len, size - 4);
    const last = len.readUInt32BE(0);
    if (last + LOCAL_FRAME_OVERHEAD <= size) {
      await readFully(file, len, size - last - LOCAL_FRAME_OVERHEAD);
      if (len.readUInt32BE(0) === last) return size;
    }
    const data = Buffer.alloc(size);
    await readFully(file, data, 0);
    return wholeFramesEnd(data);
  },
  parse(record) {
    try {
      const e = decodeLocalEntry(record);
      if (e.source !== 'stdout' && e.source !== 'stderr') return undefined;
      return { log: e.line.toString('utf8') + (e.partial ? '' : '\n'), stream: e.source, time: nanosToRfc3339(e.timeNano) };
    } catch {
      return undefined;
    }
  },
};

export function recordFormat(driver: 'json-file' | 'local'): LogRecordFormat {
  return driver === 'local' ? localRecords : jsonFileRecords;
}

async function readFully(file: ReadableLogFile, buf: Buffer, position: number): Promise<void> {
  const { bytesRead } = await file.read(buf, 0, buf.length, position);
  if (bytesRead !== buf.length) throw new Error(`short read at offset ${position}: the file shrank while it was read`);
}

function nanosToRfc3339(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ...T12:00:00.123Z
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}
