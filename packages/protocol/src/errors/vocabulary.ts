/**
 * ce's one error vocabulary (containerd's errdefs). Every layer throws
 * CeError with one of these codes; the transports map them at their edges
 * (grpc-status.ts to gRPC status codes and back, http-status.ts to the Docker
 * API's HTTP statuses) and the CLI turns them into Docker's messages and exit
 * codes. This module is pure: no grpc-js, no native code.
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
  /** The object is in a state that forbids the request (Docker: "container is not running"; HTTP 409). */
  'Conflict',
  /** The request changed nothing because it was already done (Docker: start of a running container; HTTP 304). */
  'NotModified',
  /** A failure nobody classified (from a foreign peer). */
  'Unknown',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The facts of a failed system call, when the failure came from one: the
 * operation (ce-init's step or the syscall), the errno's symbolic name
 * (`ENOENT`) and the path it was about. Decisions (126 or 127, 404 or 500)
 * are made from these, never from the message's wording.
 */
export interface FailureFacts {
  op?: string;
  errno?: string;
  path?: string;
}

export interface CeErrorOptions extends FailureFacts {
  cause?: unknown;
}

export class CeError extends Error implements FailureFacts {
  override name = 'CeError';
  readonly op?: string;
  readonly errno?: string;
  readonly path?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: CeErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.op) this.op = options.op;
    if (options?.errno) this.errno = options.errno;
    if (options?.path) this.path = options.path;
  }
}

export const notFound = (message: string) => new CeError('NotFound', message);
export const alreadyExists = (message: string) => new CeError('AlreadyExists', message);
export const invalidArgument = (message: string) => new CeError('InvalidArgument', message);
export const failedPrecondition = (message: string) => new CeError('FailedPrecondition', message);
export const conflict = (message: string) => new CeError('Conflict', message);
export const notModified = (message: string) => new CeError('NotModified', message);
export const unavailable = (message: string, cause?: unknown) => new CeError('Unavailable', message, { cause });
export const internal = (message: string, cause?: unknown) => new CeError('Internal', message, { cause });

export function isErrorCode(word: unknown): word is ErrorCode {
  return typeof word === 'string' && (ERROR_CODES as readonly string[]).includes(word);
}

export function isCeError(err: unknown, code?: ErrorCode): err is CeError {
  return err instanceof CeError && (code === undefined || err.code === code);
}

const ERRNO_CODES: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'NotFound',
  EEXIST: 'AlreadyExists',
  EACCES: 'PermissionDenied',
  EPERM: 'PermissionDenied',
  ENOSPC: 'ResourceExhausted',
  EDQUOT: 'ResourceExhausted',
};

/** The facts an error carries: its own (CeError, the runtime's error) or Node's errno fields (code, syscall, path). */
export function failureFacts(err: unknown): FailureFacts {
  if (!(err instanceof Error)) return {};
  const e = err as Error & { op?: unknown; errno?: unknown; path?: unknown; code?: unknown; syscall?: unknown };
  const facts: FailureFacts = {};
  const op = typeof e.op === 'string' ? e.op : typeof e.syscall === 'string' ? e.syscall : undefined;
  // Node's errno is a negative number; its symbolic name is in `code`.
  const errno = typeof e.errno === 'string' ? e.errno : typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) ? e.code : undefined;
  if (op) facts.op = op;
  if (errno) facts.errno = errno;
  if (typeof e.path === 'string' && e.path) facts.path = e.path;
  return facts;
}

/** Wraps anything thrown into a CeError, keeping a CeError as it is and the facts of any other. */
export function asCeError(err: unknown): CeError {
  if (err instanceof CeError) return err;
  if (err instanceof Error) {
    const facts = failureFacts(err);
    // Libraries that do not depend on this package (runtime, native) throw
    // errors whose `code` is a word of the same vocabulary.
    const word = (err as { code?: unknown }).code;
    const code: ErrorCode = isErrorCode(word) ? word : (facts.errno && ERRNO_CODES[facts.errno]) || 'Internal';
    return new CeError(code, err.message, { ...facts, cause: err });
  }
  return new CeError('Internal', String(err));
}
