import { createWriteStream, type WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { StreamName } from '@ce/protocol';

/**
 * Docker's json-file log format: one JSON object per line,
 * {"log":"<line with its newline>","stream":"stdout","time":"<RFC3339Nano>"}.
 * Partial lines are held until their newline or the stream's end.
 */
export class JsonFileLog {
  private readonly out: WriteStream;
  private readonly partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  // A character split across two reads must not become two U+FFFD.
  private readonly decoders: Record<StreamName, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o640 });
    this.out.on('error', () => undefined);
  }

  write(stream: StreamName, data: Buffer): void {
    const text = this.partial[stream] + this.decoders[stream].write(data);
    const lines = text.split('\n');
    this.partial[stream] = lines.pop()!;
    const time = new Date().toISOString();
    for (const line of lines) this.out.write(JSON.stringify({ log: `${line}\n`, stream, time }) + '\n');
  }

  flush(stream: StreamName): void {
    if (!this.partial[stream]) return;
    this.out.write(JSON.stringify({ log: this.partial[stream], stream, time: new Date().toISOString() }) + '\n');
    this.partial[stream] = '';
  }

  close(): Promise<void> {
    this.flush('stdout');
    this.flush('stderr');
    return new Promise((resolve) => this.out.end(resolve));
  }
}
