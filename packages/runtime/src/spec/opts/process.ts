// The process a container runs: its arguments, user, environment, working
// directory and terminal.
import type { Process, Spec, User } from '../types.js';
import type { SpecOpt } from './spec-opt.js';

/** The spec's process, created as runc's default (root, cwd "/") when the spec has none. */
export function processOf(spec: Spec): Process {
  spec.process ??= { user: { uid: 0, gid: 0 }, cwd: '/' };
  return spec.process;
}

/** The command line: args[0] is the executable, looked up in the process's PATH. */
export function withProcessArgs(args: readonly string[]): SpecOpt {
  if (args.length === 0) throw new Error('withProcessArgs: a process needs at least one argument');
  return (spec) => {
    processOf(spec).args = [...args];
  };
}

/** The ids the process runs as; `additionalGids` are its supplementary groups. */
export function withUser(user: Pick<User, 'uid' | 'gid' | 'additionalGids'>): SpecOpt {
  return (spec) => {
    processOf(spec).user = { uid: user.uid, gid: user.gid, additionalGids: [...(user.additionalGids ?? [])] };
  };
}

/** The whole environment, KEY=value entries in order (replaces what the spec had). */
export function withEnv(env: readonly string[]): SpecOpt {
  return (spec) => {
    processOf(spec).env = [...env];
  };
}

/** The working directory: an absolute path inside the container. */
export function withCwd(cwd: string): SpecOpt {
  if (!cwd.startsWith('/')) throw new Error(`withCwd: the working directory '${cwd}' is not an absolute path`);
  return (spec) => {
    processOf(spec).cwd = cwd;
  };
}

/** Whether the process gets a pseudo-terminal as its stdio. */
export function withTerminal(terminal: boolean): SpecOpt {
  return (spec) => {
    processOf(spec).terminal = terminal;
  };
}
