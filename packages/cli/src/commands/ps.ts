import { unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanDuration, table } from '../humanize.js';

export function statusText(c: Container, now: number): string {
  const s = c.state!;
  if (s.status === 'running' && s.startedAt) return `Up ${humanDuration(now - s.startedAt.getTime())}`;
  if (s.status === 'exited' && s.finishedAt) return `Exited (${s.exitCode}) ${humanDuration(now - s.finishedAt.getTime())} ago`;
  if (s.status === 'created') return 'Created';
  if (s.status === 'removing') return 'Removal In Progress';
  return s.status === 'dead' ? 'Dead' : s.status;
}

export function commandText(args: string[], truncate: boolean): string {
  const text = args.join(' ');
  return JSON.stringify(truncate && text.length > 20 ? `${text.slice(0, 19)}…` : text);
}

export function registerPs(program: Command, connect: () => Connection): void {
  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('--no-trunc', "Don't truncate output")
    .action(async (opts: { all?: boolean; quiet?: boolean; trunc: boolean }) => {
      const conn = connect();
      let res: ListContainersResponse;
      try {
        res = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: !!opts.all }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const id = (full: string) => (opts.trunc ? full.slice(0, 12) : full);
      if (opts.quiet) {
        process.stdout.write(res.containers.map((c) => `${id(c.id)}\n`).join(''));
        return;
      }
      const now = Date.now();
      const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']];
      for (const c of res.containers) {
        rows.push([
          id(c.id),
          c.image,
          commandText(c.pathAndArgs, opts.trunc),
          `${humanDuration(now - (c.createdAt?.getTime() ?? now))} ago`,
          statusText(c, now),
          '',
          c.name,
        ]);
      }
      process.stdout.write(table(rows));
    });
}
