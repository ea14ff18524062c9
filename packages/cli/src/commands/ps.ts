import { unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR } from '../errors.js';
import { humanDuration, table } from '../humanize.js';
import { parseIntFlag } from '../int-flag.js';
import { collect } from '../output.js';
import { listsAll, parsePsFilters, PsFilterError, selectContainers, validatePsFilters, type PsFilters } from '../ps-filter.js';

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  trunc: boolean;
  filter: string[];
  last?: string;
  latest?: boolean;
}

export function statusText(c: Container, now: number): string {
  const s = c.state!;
  if (s.status === 'running' && s.startedAt) return `Up ${humanDuration(now - s.startedAt.getTime())}`;
  if (s.status === 'exited' && s.finishedAt) return `Exited (${s.exitCode}) ${humanDuration(now - s.finishedAt.getTime())} ago`;
  if (s.status === 'restarting' && s.finishedAt) return `Restarting (${s.exitCode}) ${humanDuration(now - s.finishedAt.getTime())} ago`;
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
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .action(async (opts: PsOptions) => {
      let filters: PsFilters;
      let last = -1;
      try {
        filters = parsePsFilters(opts.filter);
        if (opts.last !== undefined) last = parseIntFlag(opts.last, '-n, --last');
      } catch (err) {
        throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce ps --help'.`);
      }
      if (opts.latest) last = 1;
      try {
        validatePsFilters(filters);
      } catch (err) {
        if (err instanceof PsFilterError) throw new CliExit(1, err.asDaemon ? `Error response from daemon: ${err.message}` : err.message);
        throw err;
      }
      const conn = connect();
      let res: ListContainersResponse;
      try {
        res = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: listsAll(!!opts.all, last, filters) }, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const containers = selectContainers(res.containers, filters, last);
      const id = (full: string) => (opts.trunc ? full.slice(0, 12) : full);
      if (opts.quiet) {
        process.stdout.write(containers.map((c) => `${id(c.id)}\n`).join(''));
        return;
      }
      const now = Date.now();
      const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']];
      for (const c of containers) {
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
