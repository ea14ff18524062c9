import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isRuntimeError } from '../errors.js';
import { Runtime } from '../runtime.js';
import type { ContainerState } from '../spec/types.js';
import type { FlagSpec, Parsed } from './args.js';
import type { CliLog, LogFormat } from './output.js';

export interface Globals {
  root: string;
  log?: string;
  logFormat: LogFormat;
  debug: boolean;
}

export interface Context {
  globals: Globals;
  log: CliLog;
  /** A Runtime on --root; `trackExits` only for commands that wait for their process (run, exec in the foreground). */
  runtime(opts?: { trackExits?: boolean; noPivotRoot?: boolean }): Runtime;
}

export interface Command {
  name: string;
  aliases?: string[];
  /** What follows the command name in USAGE. */
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** exec and ps: the arguments after the id are a command line; flags end at the first argument. */
  stopAtFirstArg?: boolean;
  /** How many positional arguments: runc's checkArgs. */
  args: { exact?: number; min?: number; max?: number };
  /** Resolves with the exit code. */
  run(ctx: Context, p: Parsed): Promise<number>;
}

/** A command's failure, printed the way runc prints it; exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The container's state, or runc's "container does not exist". */
export async function stateOf(ctx: Context, id: string): Promise<ContainerState> {
  try {
    return await ctx.runtime().state(id);
  } catch (err) {
    if (isRuntimeError(err, 'NotFound')) throw new CliError('container does not exist');
    if (isRuntimeError(err, 'InvalidArgument')) throw new CliError(err.message);
    throw err;
  }
}

/** runc's pid file: written beside, then renamed, so a reader never sees it half-written. */
export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${basename(abs)}`);
  writeFileSync(tmp, String(pid), { mode: 0o644 });
  renameSync(tmp, abs);
}

/** runc --preserve-fds N: ce-runc's own fds 3 … 3+N-1 become the process's fds 3 … (after stdio). */
export function preservedFds(n: unknown): number[] {
  if (n === undefined) return [];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new CliError(`--preserve-fds ${String(n)}: must be a number of file descriptors`);
  return Array.from({ length: n }, (_, i) => 3 + i);
}
