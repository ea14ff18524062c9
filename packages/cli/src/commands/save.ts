import type { SaveImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { writeTarOutput } from '../tar-output.js';

export function registerSave(program: Command, connect: () => Connection): void {
  program
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (images: string[], opts: { output?: string }) => {
      const conn = connect();
      await writeTarOutput(conn, () => conn.images.save({ references: images }) as AsyncIterable<SaveImagesResponse>, opts.output);
    });
}

