import { unary } from '@ce/protocol';
import type { RemoveImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

/** docker rmi: "Untagged: …" and "Deleted: …" per image; errors reported at the end, exit 1. */
export async function removeImages(conn: Connection, refs: string[], force: boolean): Promise<void> {
  const errors: string[] = [];
  for (const reference of refs) {
    try {
      const res = await unary<RemoveImageResponse>((cb) => conn.images.remove({ reference, force }, cb), conn.target);
      for (const name of res.untagged) process.stdout.write(`Untagged: ${name}\n`);
      for (const id of res.deleted) process.stdout.write(`Deleted: ${id}\n`);
    } catch (err) {
      errors.push(daemonErrorMessage(err, conn.target));
    }
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

export function registerRmi(program: Command, connect: () => Connection): void {
  program
    .command('rmi')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image')
    .action(async (refs: string[], opts: { force?: boolean }) => removeImages(connect(), refs, !!opts.force));
}
