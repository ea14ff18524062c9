import { createReadStream } from 'node:fs';
import type { LoadImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { uploadStream } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { repositoryAndTag } from './images.js';

/** Sends a docker save archive (or an OCI layout tar) to ced. */
function loadArchive(conn: Connection, source: AsyncIterable<Uint8Array>): Promise<LoadImagesResponse> {
  return uploadStream(conn.images.load(), source, () => ({ name: '' }), conn.target);
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
