import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRuntimeError } from '../../errors.js';
import { checkId } from '../../state/store.js';
import { CliError, type Command } from '../command.js';

export const del: Command = {
  name: 'delete',
  usage: '<container-id>',
  description: 'delete any resources held by the container often used with detached container',
  flags: [{ name: 'force', aliases: ['f'], type: 'bool', usage: 'Forcibly deletes the container if it is still running (uses SIGKILL)' }],
  args: { exact: 1 },
  async run(ctx, { flags, args }) {
    const id = args[0]!;
    const force = flags.force === true;
    const rt = ctx.runtime();
    let status: string;
    try {
      status = (await rt.state(id)).status;
    } catch (err) {
      if (!isRuntimeError(err, 'NotFound')) throw err;
      // what an aborted create may leave: a directory without state.json (runc removes it too)
      checkId(id);
      rmSync(join(ctx.globals.root, id), { recursive: true, force: true });
      if (force) return 0;
      throw new CliError('container does not exist');
    }
    if ((status === 'running' || status === 'paused' || status === 'creating') && !force) {
      throw new CliError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    await rt.delete(id, { force: true });
    return 0;
  },
};
