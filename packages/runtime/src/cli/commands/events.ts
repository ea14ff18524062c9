import { parseDuration } from '../args.js';
import { CliError, type Command, stateOf } from '../command.js';
import { out, toJson } from '../output.js';

export const events: Command = {
  name: 'events',
  usage: '<container-id>',
  description: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  flags: [
    { name: 'interval', type: 'string', usage: 'set the stats collection interval', defaultText: '5s' },
    { name: 'stats', type: 'bool', usage: "display the container's stats then exit" },
  ],
  args: { exact: 1 },
  async run(ctx, { flags, args }) {
    const id = args[0]!;
    const intervalMs = parseDuration((flags.interval as string | undefined) ?? '5s');
    if (intervalMs <= 0) throw new CliError('duration interval must be greater than 0');
    const { status } = await stateOf(ctx, id);
    if (status === 'stopped') throw new CliError(`container with id ${id} is not running`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      for await (const e of ctx.runtime().events(id, { intervalMs, statsOnly: flags.stats === true, signal: stop.signal })) {
        out(`${toJson(e)}\n`);
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  },
};
