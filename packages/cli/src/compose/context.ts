// What every compose subcommand starts from: the project's options (the
// group's -f, -p, --project-directory, --env-file), the loaded project and
// the daemon connection; and how their failures end the command.
import type { Command } from 'commander';
import { CeError } from '@ce/protocol';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { ComposeError } from './compose-error.js';
import { loadProject } from './load-project.js';
import type { ComposeProject } from './model.js';
import type { ProjectOptions } from './project-files.js';

export interface ComposeContext {
  project(): ComposeProject;
  connect(): Connection;
}

export function composeContext(group: Command, connect: () => Connection): ComposeContext {
  let project: ComposeProject | undefined;
  return {
    project: () => (project ??= loadProject(group.opts<ProjectOptions>())),
    connect,
  };
}

/** docker-compose prints "ERROR: " (red) on a terminal, the bare message otherwise. */
export function errorLine(message: string): string {
  return process.stderr.isTTY ? `\x1b[31mERROR\x1b[0m: ${message}` : message;
}

/** Runs a subcommand: its ComposeErrors and daemon errors end it with docker-compose's words and exit 1. */
export function composeAction<A extends unknown[]>(ctx: ComposeContext, action: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await action(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof CliExit) throw err;
      // Written here, not by ce's main: docker-compose's errors carry no "ce: " prefix.
      if (err instanceof ComposeError) process.stderr.write(`${errorLine(err.message)}\n`);
      else if (err instanceof CeError) process.stderr.write(`${errorLine(daemonErrorMessage(err, ctx.connect().target))}\n`);
      else throw err;
      throw new CliExit(err instanceof ComposeError ? err.exitCode : 1);
    }
  };
}
