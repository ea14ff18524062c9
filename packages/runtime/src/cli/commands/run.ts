import { resolve } from 'node:path';
import { preservedFds, type Command, writePidFile } from '../command.js';
import { bundleWantsTerminal, proxyTerminal, untilDrained } from '../terminal-proxy.js';
import { SignalForwarder } from '../foreground.js';
import { createFlags } from './create.js';

export const run: Command = {
  name: 'run',
  usage: '<container-id>',
  description: 'create and run a container',
  flags: [
    createFlags[0]!,
    createFlags[1]!,
    { name: 'detach', aliases: ['d'], type: 'bool', usage: "detach from the container's process" },
    { name: 'keep', type: 'bool', usage: 'do not delete the container after it exits' },
    createFlags[2]!,
    { name: 'no-subreaper', type: 'bool', usage: 'disable the use of the subreaper used to reap reparented processes' },
    ...createFlags.slice(3),
  ],
  args: { exact: 1 },
  async run(ctx, { flags, args }) {
    const preserveFds = preservedFds(flags['preserve-fds']);
    const id = args[0]!;
    const detach = flags.detach === true;
    const rt = ctx.runtime({ trackExits: !detach, noPivotRoot: flags['no-pivot'] === true });
    const signals = detach ? undefined : new SignalForwarder();
    const bundle = resolve((flags.bundle as string | undefined) ?? '.');
    const consoleSocket = flags['console-socket'] as string | undefined;
    // in the foreground without a console socket, ce-runc holds the terminal itself (runc)
    const ownTerminal = !detach && consoleSocket === undefined && bundleWantsTerminal(bundle);
    let terminal: ReturnType<typeof proxyTerminal> | undefined;
    try {
      const c = await rt.create(id, bundle, {
        stdio: ['inherit', 'inherit', 'inherit'],
        consoleSocket,
        receiveTerminal: ownTerminal || undefined,
        preserveFds,
        noNewKeyring: flags['no-new-keyring'] === true,
      });
      signals?.target(c.pid);
      if (c.terminal !== null) terminal = proxyTerminal(c.terminal);
      try {
        if (flags['pid-file']) writePidFile(flags['pid-file'] as string, c.pid);
        await rt.start(id);
      } catch (err) {
        await rt.delete(id, { force: true }).catch(() => {});
        throw err;
      }
      if (detach) return 0;
      const { exitStatus } = await c.exited;
      if (terminal) await untilDrained(terminal.drained);
      if (flags.keep !== true) await rt.delete(id, { force: true });
      return exitStatus;
    } finally {
      terminal?.stop();
      signals?.stop();
    }
  },
};
