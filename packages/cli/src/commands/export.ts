// `ce export`: docker export (cli/command/container/export.go).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { fromServiceError } from '@ce/protocol';
import { drained } from '@ce/protocol/drain';
import type { ExportContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';

export function registerExport(program: Command, connect: () => Connection): void {
  program
    .command('export')
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (container: string, opts: { output?: string }) => {
      if (!opts.output && process.stdout.isTTY) {
        throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
      }
      const conn = connect();
      const out: Writable = opts.output ? createWriteStream(opts.output) : process.stdout;
      try {
        const call = conn.containers.export({ id: container });
        for await (const res of call as AsyncIterable<ExportContainerResponse>) {
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
