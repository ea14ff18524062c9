// The streams of one exec or attach, whichever protocol carries them
// (SPDY streams or WebSocket channels): what the process reads and writes,
// the terminal's resizes, and how the session ends.
import type { TerminalSize } from './container-exec.js';
import type { CommandStatus } from './exec-status.js';

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface CommandStreams {
  stdin?: AsyncIterable<Buffer>;
  /** Resolves once the data is handed to the connection (back-pressure for the process's output). */
  stdout?: (data: Buffer) => Promise<void>;
  stderr?: (data: Buffer) => Promise<void>;
  resize?: AsyncIterable<TerminalSize>;
  /** Ends the output streams, reports `status` on the error stream and closes the connection. */
  finish(status: CommandStatus): Promise<void>;
  /** Resolves when the client has gone away. */
  readonly closed: Promise<void>;
}

/**
 * The terminal sizes in a byte stream of JSON objects, as client-go writes
 * them (`{"Width":80,"Height":24}`, one after another); a malformed one ends
 * the resizes, as the kubelet's json.Decoder loop does.
 */
export async function* terminalSizes(chunks: AsyncIterable<Buffer>): AsyncIterable<TerminalSize> {
  let text = '';
  for await (const chunk of chunks) {
    text += chunk.toString('utf8');
    for (;;) {
      const start = text.indexOf('{');
      const end = text.indexOf('}', start);
      if (start < 0 || end < 0) break;
      let size: Record<string, unknown>;
      try {
        // Go's decoder matches field names without regard to case.
        size = Object.fromEntries(Object.entries(JSON.parse(text.slice(start, end + 1)) as object).map(([k, v]) => [k.toLowerCase(), v]));
      } catch {
        return;
      }
      text = text.slice(end + 1);
      if (typeof size['width'] === 'number' && typeof size['height'] === 'number') yield { width: size['width'], height: size['height'] };
    }
  }
}
