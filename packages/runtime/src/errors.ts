/** Words of ce's error vocabulary that the runtime uses (see @ce/protocol's ERROR_CODES). */
export type RuntimeErrorCode = 'NotFound' | 'AlreadyExists' | 'InvalidArgument' | 'FailedPrecondition' | 'Internal' | 'Unavailable';

/**
 * The one error the runtime throws. `code` is a word of the project's error
 * vocabulary, which the gRPC layer maps to a status code.
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRuntimeError(err: unknown, code?: RuntimeErrorCode): err is RuntimeError {
  return err instanceof RuntimeError && (code === undefined || err.code === code);
}
