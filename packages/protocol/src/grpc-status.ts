import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { CeError, asCeError, type ErrorCode } from './errors.js';

const toStatus: Record<ErrorCode, status> = {
  Canceled: status.CANCELLED,
  InvalidArgument: status.INVALID_ARGUMENT,
  DeadlineExceeded: status.DEADLINE_EXCEEDED,
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  PermissionDenied: status.PERMISSION_DENIED,
  ResourceExhausted: status.RESOURCE_EXHAUSTED,
  FailedPrecondition: status.FAILED_PRECONDITION,
  Aborted: status.ABORTED,
  Unimplemented: status.UNIMPLEMENTED,
  Internal: status.INTERNAL,
  Unavailable: status.UNAVAILABLE,
};

const fromStatus = new Map<status, ErrorCode>(
  Object.entries(toStatus).map(([code, s]) => [s, code as ErrorCode]),
);

/** The gRPC status a server sends for anything a handler threw. */
export function toStatusObject(err: unknown): Partial<StatusObject> {
  const ce = asCeError(err);
  return { code: toStatus[ce.code], details: ce.message, metadata: new Metadata() };
}

/** The CeError a client raises for a failed call. */
export function fromServiceError(err: ServiceError | Error, target?: string): CeError {
  const se = err as Partial<ServiceError>;
  if (typeof se.code !== 'number') return asCeError(err);
  const code = fromStatus.get(se.code) ?? 'Internal';
  let message = se.details || err.message;
  if (code === 'Unavailable' && target) message = `cannot reach ${target}: ${message}`;
  return new CeError(code, message, { cause: err });
}
