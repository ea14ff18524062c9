import type { Command } from 'commander';
import { CeError, readStream } from '@ce/protocol';
import { LogStream, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { logTimestamp } from '../log-time.js';

interface LogsOptions {
  follow?: boolean;
  since?: string;
  until?: string;
  tail: string;
  timestamps?: boolean;
  details?: boolean;
}

export function registerLogs(program: Command, connect: () => Connection): void {
  program
    .command('logs')
    .description('Fetch the logs of a container')
    .usage('[OPTIONS] CONTAINER')
    .argument('<container>')
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--until <string>', 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .action(async (container: string, opts: LogsOptions) => {
      const since = apiTime(opts.since, 'since');
      const until = apiTime(opts.until, 'until');
      // Docker's daemon takes anything but a number as "all".
      const tail = /^[+-]?\d+$/.test(opts.tail) ? Math.max(-1, Math.min(Number(opts.tail), 2 ** 31 - 1)) : -1;
      const conn = connect();
      const call = conn.containers.logs({ id: container, follow: !!opts.follow, since, until, tail, timestamps: !!opts.timestamps, details: !!opts.details });
      try {
        for await (const msg of readStream<LogsResponse>(call, conn.target)) {
          const out = msg.stream === LogStream.LOG_STREAM_STDERR ? process.stderr : process.stdout;
          if (!out.write(msg.data)) await new Promise((resolve) => out.once('drain', resolve));
        }
      } catch (err) {
        if (err instanceof CeError && err.code === 'NotFound') throw new CliExit(1, `Error: ${err.message}`);
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
    });
}

function apiTime(value: string | undefined, field: string): string {
  if (!value) return '';
  try {
    return logTimestamp(value);
  } catch (err) {
    throw new CliExit(1, `invalid value for "${field}": ${(err as Error).message}`);
  }
}
