import { parseSignal } from '../../runtime.js';
import { isRuntimeError } from '../../errors.js';
import { CliError, type Command, stateOf } from '../command.js';

export const kill: Command = {
  name: 'kill',
  usage: '<container-id> [signal]',
  description: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  flags: [{ name: 'all', aliases: ['a'], type: 'bool', usage: 'send the specified signal to all processes inside the container' }],
  args: { min: 1, max: 2 },
  async run(ctx, { flags, args }) {
    const id = args[0]!;
    const { status } = await stateOf(ctx, id);
    let signal: number;
    try {
      signal = parseSignal(args[1] ?? 'SIGTERM');
    } catch (err) {
      throw new CliError(isRuntimeError(err) ? `unknown signal ${JSON.stringify(args[1])}` : String(err));
    }
    // containerd's shim reads "container not running" as "already exited"
    if (status === 'stopped' || status === 'creating') throw new CliError('container not running');
    await ctx.runtime().kill(id, signal, { all: flags.all === true });
    return 0;
  },
};
