import { resolve } from 'node:path';
import type { FlagSpec } from '../args.js';
import { preservedFds, type Command, writePidFile } from '../command.js';

export const createFlags: FlagSpec[] = [
  { name: 'bundle', aliases: ['b'], type: 'string', usage: 'path to the root of the bundle directory, defaults to the current directory' },
  { name: 'console-socket', type: 'string', usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  { name: 'pid-file', type: 'string', usage: 'specify the file to write the process id to' },
  { name: 'no-pivot', type: 'bool', usage: 'do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk' },
  { name: 'no-new-keyring', type: 'bool', usage: "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key" },
  { name: 'preserve-fds', type: 'int', usage: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', defaultText: '0' },
];

/**
 * runc create: the container init is left waiting on the exec fifo with
 * ce-runc's own fds 0-2 as its stdio; ce-runc exits and the init is
 * reparented to the caller's subreaper (containerd's shim) or init.
 */
export const create: Command = {
  name: 'create',
  usage: '<container-id>',
  description: 'create a container',
  flags: createFlags,
  args: { exact: 1 },
  async run(ctx, { flags, args }) {
    const preserveFds = preservedFds(flags['preserve-fds']);
    const id = args[0]!;
    const rt = ctx.runtime({ trackExits: false, noPivotRoot: flags['no-pivot'] === true });
    const c = await rt.create(id, resolve((flags.bundle as string | undefined) ?? '.'), {
      stdio: ['inherit', 'inherit', 'inherit'],
      consoleSocket: flags['console-socket'] as string | undefined,
      preserveFds,
      noNewKeyring: flags['no-new-keyring'] === true,
    });
    if (flags['pid-file']) {
      try {
        writePidFile(flags['pid-file'] as string, c.pid);
      } catch (err) {
        await rt.delete(id, { force: true }).catch(() => {});
        throw err;
      }
    }
    return 0;
  },
};
