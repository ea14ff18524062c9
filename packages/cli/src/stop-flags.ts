// The -t/--time flag that `ce stop` and `ce restart` share.
import type { Command } from 'commander';
import { CliExit, EXIT_ENGINE_ERROR } from './errors.js';
import { clampSeconds, parseIntFlag } from './int-flag.js';

export function addTimeFlag(cmd: Command): Command {
  // No default here: unset, the container's --stop-timeout applies (else 10), as with Docker.
  return cmd.option('-t, --time <seconds>', 'Seconds to wait for stop before killing it (default 10)');
}

/** The -t value for the request; a bad one ends the command as Docker's flag errors do. */
export function timeFlag(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return clampSeconds(parseIntFlag(value, '-t, --time'));
  } catch (err) {
    throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce ${command} --help'.`);
  }
}
