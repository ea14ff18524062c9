import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { drained } from '@ce/protocol/drain';
import { fromServiceError } from '@ce/protocol';
import type { SaveImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerSave(program: Command, connect: () => Connection): void {
  program
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (images: string[], opts: { output?: string }) => {
      if (!opts.output && process.stdout.isTTY) {
        throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
      }
      const conn = connect();
      const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
      try {
        const call = conn.images.save({ references: images });
        for await (const res of call as AsyncIterable<SaveImagesResponse>) {
          if (!out.write(res.data)) await drained(out);
        }
        if (opts.output) await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
      } catch (err) {
        if (opts.output) {
          out.destroy();
          await rm(opts.output, { force: true }); // no half-written archive
        }
        throw new CliExit(1, daemonErrorMessage(fromServiceError(err as Error, conn.target), conn.target));
      }
    });
}
