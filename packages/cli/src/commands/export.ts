// `ce export`: docker export (cli/command/container/export.go).
import type { ExportContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { writeTarOutput } from '../tar-output.js';

export function registerExport(program: Command, connect: () => Connection): void {
  program
    .command('export')
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (container: string, opts: { output?: string }) => {
      const conn = connect();
      await writeTarOutput(conn, () => conn.containers.export({ id: container }) as AsyncIterable<ExportContainerResponse>, opts.output);
    });
}

