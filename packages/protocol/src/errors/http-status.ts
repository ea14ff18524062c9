import { exitCodeForExecFailure } from './exec-failure.js';
import { asCeError, type ErrorCode } from './vocabulary.js';

/**
 * The HTTP status the Docker Engine API answers with for each code, as
 * dockerd's httpstatus.FromError does: its errdefs NotFound 404,
 * InvalidParameter 400, Conflict 409 (a name in use, a container in the wrong
 * state), Forbidden 403, Unavailable 503, NotModified 304, NotImplemented 501,
 * everything else 500.
 */
const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  NotFound: 404,
  InvalidArgument: 400,
  AlreadyExists: 409,
  Conflict: 409,
  // ce's FailedPrecondition is a request the object's state forbids, which dockerd reports as a conflict.
  FailedPrecondition: 409,
  Aborted: 409,
  PermissionDenied: 403,
  Unavailable: 503,
  NotModified: 304,
  Unimplemented: 501,
  Canceled: 500,
  DeadlineExceeded: 500,
  ResourceExhausted: 500,
  Internal: 500,
  Unknown: 500,
};

export function httpStatusOfCode(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/**
 * The HTTP status for anything thrown. A container whose executable is
 * missing or may not be run is a bad request whatever its code, as dockerd's
 * startInvalidConfigError is.
 */
export function httpStatusOf(err: unknown): number {
  if (exitCodeForExecFailure(err, 'container') !== undefined) return 400;
  return HTTP_STATUS[asCeError(err).code];
}
