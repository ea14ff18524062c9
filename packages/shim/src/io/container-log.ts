import { StringDecoder } from 'node:string_decoder';
import type { StreamName } from '@ce/protocol';
import { jsonFileFormat, type LogEntryFormat } from './log-entry-format.js';
import { LogFileWriter, type LogFileWriterOptions } from './log-file-writer.js';

export interface ContainerLogOptions extends Omit<LogFileWriterOptions, 'onPressure' | 'wholeRecordsEnd'> {
  /** json-file (the default), local or cri. */
  format?: LogEntryFormat;
}

/** Docker's log copier reads 16 KiB at a time: a longer line becomes several entries, all but the last without a newline. */
export const MAX_ENTRY_BYTES = 16 * 1024;

/**
 * A container's output as log entries, Docker's way: one per line, a partial line held
 * until its newline, the stream's end, or 16 KiB. The entries are stored in the driver's
 * format (json-file or local); writing, rotating and surviving a full disk are
 * LogFileWriter's job.
 */
export class ContainerLog {
  private readonly out: LogFileWriter;
  private readonly format: LogEntryFormat;
  private readonly partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  // A character split across two reads must not become two U+FFFD.
  private readonly decoders: Record<StreamName, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  private pressureListener: ((behind: boolean) => void) | undefined;

  constructor(path: string, options: ContainerLogOptions = {}) {
    const { format = jsonFileFormat, ...writerOptions } = options;
    this.format = format;
    this.out = new LogFileWriter(path, { ...writerOptions, wholeRecordsEnd: format.wholeRecordsEnd, onPressure: (behind) => this.pressureListener?.(behind) });
  }

  /** Called with true while the disk lags behind the container's output, and with false once it caught up. */
  onPressure(listener: (behind: boolean) => void): void {
    this.pressureListener = listener;
  }

  write(stream: StreamName, data: Buffer): void {
    let text = this.partial[stream] + this.decoders[stream].write(data);
    const time = new Date();
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl >= 0 && Buffer.byteLength(text.slice(0, nl + 1)) <= MAX_ENTRY_BYTES) {
        this.entry(text.slice(0, nl + 1), stream, time);
        text = text.slice(nl + 1);
      } else if (nl >= 0 || Buffer.byteLength(text) >= MAX_ENTRY_BYTES) {
        const head = utf8Prefix(text, MAX_ENTRY_BYTES);
        this.entry(head, stream, time);
        text = text.slice(head.length);
      } else {
        break;
      }
    }
    this.partial[stream] = text;
  }

  private entry(log: string, stream: StreamName, time: Date, ended = false): void {
    this.out.append(this.format.encode(log, stream, time, ended));
  }

  /** Reopens the file at its path (a new one when it was renamed), between whole entries. */
  reopen(): Promise<void> {
    return this.out.reopen();
  }

  flush(stream: StreamName): void {
    if (!this.partial[stream]) return;
    this.entry(this.partial[stream], stream, new Date(), true);
    this.partial[stream] = '';
  }

  close(): Promise<void> {
    this.flush('stdout');
    this.flush('stderr');
    return this.out.close();
  }
}

/** The longest prefix of text whose UTF-8 encoding fits in maxBytes, never cutting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text.slice(0, maxBytes));
  if (bytes.length <= maxBytes) return text.slice(0, maxBytes);
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
