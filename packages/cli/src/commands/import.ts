// `ce import`: docker import (cli/command/image/import.go). A file or `-` is
// sent from here; an http(s) URL is fetched here too and streamed to ced, so
// the daemon opens no outside connection (docs/decisions/0042).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ImportImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { uploadStream } from '@ce/protocol';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** The bytes to import and the source Docker records in the default comment ("Imported from -"). */
async function openSource(source: string): Promise<{ bytes: AsyncIterable<Uint8Array>; from: string }> {
  if (source === '-') return { bytes: process.stdin, from: '-' };
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      throw new CliExit(1, `Error response from daemon: Get "${source}": ${cause?.message ?? (err as Error).message}`);
    }
    if (!res.ok || !res.body) throw new CliExit(1, `Error response from daemon: failed to GET ${source} with status ${res.status} ${res.statusText}`);
    return { bytes: Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), from: source };
  }
  const stream = createReadStream(source);
  await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject)).catch((err: NodeJS.ErrnoException) => {
    throw new CliExit(1, `open ${source}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  // Docker's CLI sends a file as its request body, like stdin.
  return { bytes: stream, from: '-' };
}

export function registerImport(program: Command, connect: () => Connection): void {
  program
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<source>', 'file|URL|-')
    .argument('[repository]', 'REPOSITORY[:TAG] of the new image')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Set commit message for imported image', '')
    .action(async (source: string, repository: string | undefined, opts: { change: string[]; message: string }) => {
      if (source === '-' && process.stdin.isTTY) throw new CliExit(1, 'requested import from stdin, but stdin is a terminal');
      const { bytes, from } = await openSource(source);
      const conn = connect();
      let res: ImportImageResponse;
      try {
        res = await uploadStream(
          conn.images.import(),
          bytes,
          (first) => (first ? { reference: repository ?? '', comment: opts.message || `Imported from ${from}`, changes: opts.change } : { reference: '', comment: '', changes: [] }),
          conn.target,
        );
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(`${res.image?.id ?? ''}\n`);
    });
}
