import { constants } from 'node:os';

/** Words of ce's error vocabulary that the runtime uses (see @ce/protocol's ERROR_CODES). */
export type RuntimeErrorCode = 'NotFound' | 'AlreadyExists' | 'InvalidArgument' | 'FailedPrecondition' | 'Internal' | 'Unavailable';

/**
 * The facts of a failure in ce-init (see @ce/protocol's FailureFacts): the
 * operation (`exec` for the executable's lookup, else the plan op: `mount`,
 * `chdir`…), the errno's symbolic name and the path it was about.
 */
export interface RuntimeErrorOptions {
  cause?: unknown;
  op?: string;
  errno?: string;
  path?: string;
}

/**
 * The one error the runtime throws. `code` is a word of the project's error
 * vocabulary, which the gRPC layer maps to a status code; op, errno and path
 * travel with it to whoever decides from them (126 or 127).
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  readonly op?: string;
  readonly errno?: string;
  readonly path?: string;
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: RuntimeErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.op) this.op = options.op;
    if (options?.errno) this.errno = options.errno;
    if (options?.path) this.path = options.path;
  }
}

export function isRuntimeError(err: unknown, code?: RuntimeErrorCode): err is RuntimeError {
  return err instanceof RuntimeError && (code === undefined || err.code === code);
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The name of an errno number a helper process reported (`ENOSPC` for 28); undefined when Node knows none. */
export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}
