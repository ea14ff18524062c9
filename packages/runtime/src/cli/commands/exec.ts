import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Process } from '../../spec/types.js';
import type { FlagValues } from '../args.js';
import { preservedFds, CliError, type Command, stateOf, writePidFile } from '../command.js';
import { proxyTerminal, untilDrained } from '../terminal-proxy.js';
import { SignalForwarder } from '../foreground.js';

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} ${path}: invalid JSON: ${(err as Error).message}`);
  }
}

function uint(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`parsing ${text} as int for ${what} failed`);
  return Number(text);
}

/**
 * runc's getProcess: the process.json given with -p as is, or else the
 * container's own config.json process with the command line's args and the
 * flags' changes.
 */
export function execProcess(flags: FlagValues, args: string[], bundle: string): Process {
  if (flags.process) return readJson(flags.process as string, 'process') as Process;
  if (args.length === 0) throw new CliError('exec: no command given (args must not be empty)');
  const spec = readJson(join(bundle, 'config.json'), 'config') as { process?: Process };
  const p: Process = structuredClone(spec.process ?? ({ cwd: '/', user: { uid: 0, gid: 0 } } as Process));
  p.args = args;
  if (flags.cwd) p.cwd = flags.cwd as string;
  if (flags.apparmor) p.apparmorProfile = flags.apparmor as string;
  if (flags['process-label']) p.selinuxLabel = flags['process-label'] as string;
  const caps = (flags.cap as string[] | undefined) ?? [];
  if (caps.length) {
    const c = (p.capabilities ??= {});
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) c[set] = [...(c[set] ?? []), ...caps];
  }
  p.env = [...(p.env ?? []), ...((flags.env as string[] | undefined) ?? [])];
  p.terminal = flags.tty === true;
  if (flags['no-new-privs'] !== undefined) p.noNewPrivileges = flags['no-new-privs'] === true;
  p.user ??= { uid: 0, gid: 0 };
  if (flags.user) {
    const [u, g] = (flags.user as string).split(':');
    p.user.uid = uint(u!, 'uid');
    if (g !== undefined) p.user.gid = uint(g, 'gid');
  }
  const gids = ((flags['additional-gids'] as string[] | undefined) ?? []).map((g) => uint(g, 'additional gid'));
  if (gids.length) p.user.additionalGids = [...(p.user.additionalGids ?? []), ...gids];
  return p;
}

export const exec: Command = {
  name: 'exec',
  usage: '<container-id> <command> [command options]  || -p process.json <container-id>',
  description: 'execute new process inside the container',
  stopAtFirstArg: true,
  flags: [
    { name: 'console-socket', type: 'string', usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    { name: 'cwd', type: 'string', usage: 'current working directory in the container' },
    { name: 'env', aliases: ['e'], type: 'strings', usage: 'set environment variables' },
    { name: 'tty', aliases: ['t'], type: 'bool', usage: 'allocate a pseudo-TTY' },
    { name: 'user', aliases: ['u'], type: 'string', usage: 'UID (format: <uid>[:<gid>])' },
    { name: 'additional-gids', aliases: ['g'], type: 'strings', usage: 'additional gids' },
    { name: 'process', aliases: ['p'], type: 'string', usage: 'path to the process.json' },
    { name: 'detach', aliases: ['d'], type: 'bool', usage: "detach from the container's process" },
    { name: 'pid-file', type: 'string', usage: 'specify the file to write the process id to' },
    { name: 'process-label', type: 'string', usage: 'set the asm process label for the process commonly used with selinux' },
    { name: 'apparmor', type: 'string', usage: 'set the apparmor profile for the process' },
    { name: 'no-new-privs', type: 'bool', usage: 'set the no new privileges value for the process' },
    { name: 'cap', aliases: ['c'], type: 'strings', usage: 'add a capability to the bounding set for the process' },
    { name: 'preserve-fds', type: 'int', usage: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', defaultText: '0' },
    { name: 'cgroup', type: 'strings', usage: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
    { name: 'ignore-paused', type: 'bool', usage: 'allow exec in a paused container' },
  ],
  args: { min: 1 },
  async run(ctx, { flags, args }) {
    const preserveFds = preservedFds(flags['preserve-fds']);
    if ((flags.cgroup as string[] | undefined)?.length) throw new CliError('--cgroup: running an exec in a sub-cgroup is not supported yet');
    const id = args[0]!;
    const st = await stateOf(ctx, id);
    if (st.status === 'stopped') throw new CliError('cannot exec in a stopped container');
    if (st.status === 'paused') {
      throw new CliError(flags['ignore-paused'] ? 'exec in a paused container is not supported' : 'cannot exec in a paused container (use --ignore-paused to override)');
    }
    const proc = execProcess(flags, args.slice(1), st.bundle);
    const detach = flags.detach === true;
    const rt = ctx.runtime({ trackExits: !detach });
    const signals = detach ? undefined : new SignalForwarder();
    const consoleSocket = flags['console-socket'] as string | undefined;
    let terminal: ReturnType<typeof proxyTerminal> | undefined;
    try {
      const p = await rt.exec(id, proc, {
        stdio: ['inherit', 'inherit', 'inherit'],
        consoleSocket,
        // in the foreground without a console socket, ce-runc holds the terminal itself (runc)
        receiveTerminal: (proc.terminal === true && !detach && consoleSocket === undefined) || undefined,
        preserveFds,
      });
      signals?.target(p.pid);
      if (p.terminal !== null) terminal = proxyTerminal(p.terminal);
      if (flags['pid-file']) writePidFile(flags['pid-file'] as string, p.pid);
      if (detach) return 0;
      const { exitStatus } = await p.exited;
      if (terminal) await untilDrained(terminal.drained);
      return exitStatus;
    } finally {
      terminal?.stop();
      signals?.stop();
    }
  },
};
