import { CeError, exitCodeForExecFailure } from '@ce/protocol';
import { socketGroupName } from './socket-group-hint.js';

/** Docker's CLI exit codes. */
export const EXIT_ENGINE_ERROR = 125;
export { EXIT_CANNOT_INVOKE, EXIT_COMMAND_NOT_FOUND as EXIT_NOT_FOUND } from '@ce/protocol';

/** Raised by commands to end with a message and an exit code. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

/** Docker's wording for a daemon error: "Error response from daemon: ...". */
export function daemonErrorMessage(err: unknown, socketTarget: string, groupOf: (target: string) => string | undefined = socketGroupName): string {
  if (err instanceof CeError && err.code === 'Unavailable') {
    // The socket is there but this user may not open it (not root, not in its group): the daemon may well be running.
    if (/\bconnect EACCES\b/.test(err.message)) {
      const group = groupOf(socketTarget);
      return `permission denied while trying to connect to the ce daemon socket at ${socketTarget}: connect: permission denied${group ? ` (is the user in the "${group}" group?)` : ''}`;
    }
    return `Cannot connect to the ce daemon at ${socketTarget}. Is the ced daemon running?`;
  }
  // As the docker client, which trims the daemon's message (dockerd's "Error processing tar file(unexpected EOF): ").
  return `Error response from daemon: ${((err as Error).message ?? String(err)).trim()}`;
}

/**
 * For commands whose daemon reaches out to registries (pull, push, login): an
 * Unavailable error the daemon sent (a registry that refused the connection)
 * is the daemon's answer, not a sign that the daemon is down.
 */
export function registryCommandErrorMessage(err: unknown, socketTarget: string): string {
  if (err instanceof CeError && err.code === 'Unavailable') {
    const details = err.message.replace(`cannot reach ${socketTarget}: `, '');
    if (!/^(No connection established|Connection dropped)/.test(details)) return `Error response from daemon: ${details}`;
  }
  return daemonErrorMessage(err, socketTarget);
}

/** docker run ends the daemon's message with a period (its reportError); other commands do not. */
export function withPeriod(message: string): string {
  return message.endsWith('.') || message.endsWith('?') ? message : `${message}.`;
}

/**
 * The exit code `ce run` gives when the container could not start (as docker
 * run does): 127 or 126 from the facts of the failure (see
 * exitCodeForExecFailure), else the engine's 125.
 */
export function startFailureExitCode(err: unknown): number {
  return exitCodeForExecFailure(err, 'container') ?? EXIT_ENGINE_ERROR;
}
