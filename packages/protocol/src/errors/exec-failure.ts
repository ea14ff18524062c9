import { failureFacts, type FailureFacts } from './vocabulary.js';

/** The operation ce-init names when it could not find or may not run the process's executable. */
export const EXEC_OP = 'exec';

/** Docker's exit codes for a process that could not be run: 127 not found, 126 cannot invoke. */
export const EXIT_COMMAND_NOT_FOUND = 127;
export const EXIT_CANNOT_INVOKE = 126;

/**
 * Measured against Docker 20.10 with runc 1.1 (docker run / start / exec of
 * a missing, folder, non-executable, ENOTDIR and symlink-loop executable):
 * a container's process gives 127 when the executable is not there (not in
 * $PATH, no such file) and 126 when it may not be run (no x bit, a folder);
 * ENOTDIR and ELOOP give the engine's own code (docker run 125, State 128).
 * An exec's process gives 126 for any failure to start it.
 */
const NOT_FOUND_ERRNOS = new Set(['ENOENT']);
const CANNOT_INVOKE_ERRNOS = new Set(['EACCES', 'EISDIR', 'ENOEXEC']);

/** Whose process could not be run: the container's own (run, start) or one exec'd into it. */
export type ProcessKind = 'container' | 'exec';

/**
 * The one decision of 127 or 126 for a process that could not be run, made
 * from the facts ce-init reported about its executable (operation `exec`,
 * the errno), never from the message's wording. Undefined for any other
 * failure: the caller keeps its own code (125 for the CLI's engine error,
 * 128 for a container's State.ExitCode).
 */
export function exitCodeForExecFailure(
  err: unknown,
  kind: ProcessKind = 'container',
): typeof EXIT_COMMAND_NOT_FOUND | typeof EXIT_CANNOT_INVOKE | undefined {
  const facts: FailureFacts = failureFacts(err);
  if (kind === 'exec') return facts.op && facts.errno ? EXIT_CANNOT_INVOKE : undefined;
  if (facts.op !== EXEC_OP || !facts.errno) return undefined;
  if (NOT_FOUND_ERRNOS.has(facts.errno)) return EXIT_COMMAND_NOT_FOUND;
  if (CANNOT_INVOKE_ERRNOS.has(facts.errno)) return EXIT_CANNOT_INVOKE;
  return undefined;
}
