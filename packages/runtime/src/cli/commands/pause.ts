import { CliError, type Command, stateOf } from '../command.js';

export const pause: Command = {
  name: 'pause',
  usage: '<container-id>',
  description: 'pause suspends all processes inside the container',
  flags: [],
  args: { exact: 1 },
  async run(ctx, { args }) {
    const { status } = await stateOf(ctx, args[0]!);
    if (status !== 'running') throw new CliError('container not running');
    await ctx.runtime().pause(args[0]!);
    return 0;
  },
};

export const resume: Command = {
  name: 'resume',
  usage: '<container-id>',
  description: 'resumes all processes that have been previously paused',
  flags: [],
  args: { exact: 1 },
  async run(ctx, { args }) {
    const { status } = await stateOf(ctx, args[0]!);
    if (status !== 'paused') throw new CliError('container not paused');
    await ctx.runtime().resume(args[0]!);
    return 0;
  },
};
