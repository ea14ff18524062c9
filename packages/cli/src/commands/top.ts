import { unary } from '@ce/protocol';
import type { TopContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { tabwrite } from '../format/tabwriter.js';

/** docker top's table: the titles and the processes, tab-aligned with a minimum width of 20. */
export function topTable(res: TopContainerResponse): string {
  return tabwrite([res.titles, ...res.processes.map((p) => p.fields)].map((row) => `${row.join('\t')}\n`).join(''), 20);
}

export function registerTop(program: Command, connect: () => Connection): void {
  program
    .command('top')
    .description('Display the running processes of a container')
    .usage('CONTAINER [ps OPTIONS]')
    .argument('<container>')
    .argument('[ps options...]')
    // everything after the container is ps's, dashes included
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (ref: string, psArgs: string[]) => {
      const conn = connect();
      let res: TopContainerResponse;
      try {
        res = await unary<TopContainerResponse>((cb) => conn.containers.top({ id: ref, psArgs: psArgs.join(' ') }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      process.stdout.write(topTable(res));
    });
}
