import { StringDecoder } from 'node:string_decoder';
import type { StreamName } from '@ce/protocol';
import { LogFileWriter, type LogFileWriterOptions } from './log-file-writer.js';

/** Docker's log copier reads 16 KiB at a time: a longer line becomes several entries, all but the last without a newline. */
export const MAX_ENTRY_BYTES = 16 * 1024;

/**
 * Docker's json-file log format: one JSON object per line,
 * {"log":"<line with its newline>","stream":"stdout","time":"<RFC3339Nano>"}.
 * Partial lines are held until their newline, the stream's end, or 16 KiB.
 * Writing, and surviving a full disk, is LogFileWriter's job.
 */
export class JsonFileLog {
  private readonly out: LogFileWriter;
  private readonly partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  // A character split across two reads must not become two U+FFFD.
  private readonly decoders: Record<StreamName, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  private pressureListener: ((behind: boolean) => void) | undefined;

  constructor(path: string, options: Omit<LogFileWriterOptions, 'onPressure'> = {}) {
    this.out = new LogFileWriter(path, { ...options, onPressure: (behind) => this.pressureListener?.(behind) });
  }

  /** Called with true while the disk lags behind the container's output, and with false once it caught up. */
  onPressure(listener: (behind: boolean) => void): void {
    this.pressureListener = listener;
  }

  write(stream: StreamName, data: Buffer): void {
    let text = this.partial[stream] + this.decoders[stream].write(data);
    const time = new Date().toISOString();
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

  private entry(log: string, stream: StreamName, time: string): void {
    this.out.append(Buffer.from(JSON.stringify({ log, stream, time }) + '\n'));
  }

  flush(stream: StreamName): void {
    if (!this.partial[stream]) return;
    this.entry(this.partial[stream], stream, new Date().toISOString());
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
