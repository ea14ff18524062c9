/**
 * ce's one error vocabulary. Every layer throws CeError with one of these
 * codes; grpc-status.ts maps them to gRPC status codes and back, and the CLI
 * turns them into Docker-style messages and exit codes.
 */
export const ERROR_CODES = [
  'Canceled',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'Unimplemented',
  'Internal',
  'Unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class CeError extends Error {
  override name = 'CeError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (message: string) => new CeError('NotFound', message);
export const alreadyExists = (message: string) => new CeError('AlreadyExists', message);
export const invalidArgument = (message: string) => new CeError('InvalidArgument', message);
export const failedPrecondition = (message: string) => new CeError('FailedPrecondition', message);
export const unavailable = (message: string, cause?: unknown) => new CeError('Unavailable', message, { cause });
export const internal = (message: string, cause?: unknown) => new CeError('Internal', message, { cause });

export function isCeError(err: unknown, code?: ErrorCode): err is CeError {
  return err instanceof CeError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a CeError, keeping a CeError as it is. */
export function asCeError(err: unknown): CeError {
  if (err instanceof CeError) return err;
  if (err instanceof Error) {
    // Libraries that do not depend on this package (runtime, native) throw
    // errors whose `code` is a word of the same vocabulary.
    const errno = (err as NodeJS.ErrnoException).code;
    if ((ERROR_CODES as readonly string[]).includes(errno ?? '')) {
      return new CeError(errno as ErrorCode, err.message, { cause: err });
    }
    if (errno === 'ENOENT') return new CeError('NotFound', err.message, { cause: err });
    if (errno === 'EEXIST') return new CeError('AlreadyExists', err.message, { cause: err });
    if (errno === 'EACCES' || errno === 'EPERM') return new CeError('PermissionDenied', err.message, { cause: err });
    if (errno === 'ENOSPC' || errno === 'EDQUOT') return new CeError('ResourceExhausted', err.message, { cause: err });
    return new CeError('Internal', err.message, { cause: err });
  }
  return new CeError('Internal', String(err));
}
