import { createReadStream } from 'node:fs';
import { drained } from '@ce/protocol/drain';
import { fromServiceError } from '@ce/protocol';
import type { LoadImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { repositoryAndTag } from './images.js';

const CHUNK = 1024 * 1024;

/** Sends a docker save archive (or an OCI layout tar) to ced in 1 MiB messages. */
async function loadArchive(conn: Connection, source: AsyncIterable<Uint8Array>): Promise<LoadImagesResponse> {
  const call = conn.images.load();
  const answer = new Promise<LoadImagesResponse>((resolve, reject) => {
    let res: LoadImagesResponse | undefined;
    call.on('data', (r: LoadImagesResponse) => (res = r));
    call.on('error', (err) => reject(fromServiceError(err, conn.target)));
    call.on('end', () => (res ? resolve(res) : reject(new Error('the daemon ended the load without an answer'))));
  });
  answer.catch(() => undefined); // awaited after the upload
  let sent = false;
  try {
    for await (const chunk of source) {
      for (let off = 0; off < chunk.byteLength; off += CHUNK) {
        sent = true;
        // A daemon that rejected the archive never drains the call: its answer ends the wait with its error.
        if (!call.write({ data: Buffer.from(chunk.subarray(off, off + CHUNK)), name: '' })) await drained(call, answer);
      }
    }
    if (!sent) call.write({ data: Buffer.alloc(0), name: '' });
    call.end();
  } catch (err) {
    call.cancel();
    throw err;
  }
  return answer;
}

export function registerLoad(program: Command, connect: () => Connection): void {
  program
    .command('load')
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (opts: { input?: string; quiet?: boolean }) => {
      if (!opts.input && process.stdin.isTTY) throw new CliExit(1, 'requested load from stdin, but stdin is empty');
      const conn = connect();
      let source: AsyncIterable<Uint8Array>;
      if (opts.input) {
        const stream = createReadStream(opts.input);
        await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject)).catch((err: NodeJS.ErrnoException) => {
          throw new CliExit(1, `open ${opts.input}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
        });
        source = stream;
      } else {
        source = process.stdin;
      }
      let res: LoadImagesResponse;
      try {
        res = await loadArchive(conn, source);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      if (opts.quiet) return;
      for (const image of res.images) {
        const [repo, tag] = repositoryAndTag(image.name);
        process.stdout.write(`Loaded image: ${repo}:${tag}\n`);
      }
    });
}
