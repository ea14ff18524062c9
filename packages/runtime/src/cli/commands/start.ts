import { CliError, type Command, stateOf } from '../command.js';

export const start: Command = {
  name: 'start',
  usage: '<container-id>',
  description: 'executes the user defined process in a created container',
  flags: [],
  args: { exact: 1 },
  async run(ctx, { args }) {
    const id = args[0]!;
    const { status } = await stateOf(ctx, id);
    // runc's messages for each state
    if (status === 'stopped') throw new CliError('cannot start a container that has stopped');
    if (status === 'running' || status === 'paused') throw new CliError('cannot start an already running container');
    if (status !== 'created') throw new CliError(`cannot start a container in the ${status} state`);
    await ctx.runtime().start(id);
    return 0;
  },
};
