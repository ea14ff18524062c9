import type { Command } from 'commander';
import { readStream } from '@ce/protocol';
import type { Event } from '@ce/protocol/gen/ce/api/v1/events';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseFilterFlag } from '../filter-flag.js';
import { eventTemplate, formatEvent } from '../event-format.js';
import type { GoTemplate } from '../format/template.js';
import { eventLine, toDockerMessage } from '../event-line.js';
import { logTimestamp } from '../log-time.js';

interface EventsOptions {
  filter: string[];
  format?: string;
  since?: string;
  until?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEvents(program: Command, connect: () => Connection): void {
  program
    .command('events')
    .description('Get real time events from the server')
    .usage('[OPTIONS]')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Format the output using the given Go template')
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(async (opts: EventsOptions) => {
      const filters = opts.filter.map((f) => parseFilterFlag(f, 'events'));
      let template: GoTemplate | undefined;
      if (opts.format) {
        try {
          template = eventTemplate(opts.format);
        } catch (err) {
          // docker events: a template that does not parse, or fails on an empty event, is a usage error (64).
          throw new CliExit(64, `Error parsing format: ${(err as Error).message}`);
        }
      }
      // As the docker client does: relative times count from the client's clock.
      const now = new Date();
      const since = apiTime(opts.since, now);
      const until = apiTime(opts.until, now);
      const conn = connect();
      const call = conn.events.subscribe({ since, until, filters });
      const onSignal = () => call.cancel();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        for await (const event of readStream<Event>(call, conn.target)) {
          const message = toDockerMessage(event);
          const { text, error } = template ? formatEvent(template, message) : { text: eventLine(message), error: undefined };
          if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
          if (error) throw new CliExit(1, error.message);
        }
      } catch (err) {
        if (err instanceof CliExit) throw err;
        if ((err as { code?: string }).code === 'Canceled') return;
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });
}

function apiTime(value: string | undefined, now: Date): string {
  if (!value) return '';
  try {
    return logTimestamp(value, now);
  } catch (err) {
    throw new CliExit(1, (err as Error).message);
  }
}
