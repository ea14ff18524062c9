// Where `ce save` and `ce export` write the tar the daemon streams: a file
// (-o, removed again when the stream fails) or stdout, never a terminal.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { fromServiceError } from '@ce/protocol';
import { drained } from '@ce/protocol/drain';
import type { Connection } from './connection.js';
import { CliExit, daemonErrorMessage } from './errors.js';

/** Writes the `data` of each message of the stream `open` starts (once the output is known to be fine) to `output` or stdout. */
export async function writeTarOutput(conn: Connection, open: () => AsyncIterable<{ data: Buffer }>, output: string | undefined): Promise<void> {
  if (!output && process.stdout.isTTY) {
    throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  const out: Writable = output ? createWriteStream(output) : process.stdout;
  try {
    for await (const res of open()) {
      if (!out.write(res.data)) await drained(out);
    }
    if (output) await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
  } catch (err) {
    if (output) {
      out.destroy();
      await rm(output, { force: true }); // no half-written archive
    }
    throw new CliExit(1, daemonErrorMessage(fromServiceError(err as Error, conn.target), conn.target));
  }
}
