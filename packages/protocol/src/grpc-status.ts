// The gRPC edge of the error vocabulary: CeError to a status (with its code
// and facts in trailing metadata, so nothing is lost over a hop) and back.
import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { CeError, asCeError, isErrorCode, type ErrorCode, type FailureFacts } from './errors/index.js';

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
  // gRPC has no words of their own for these; the exact code travels in metadata.
  Conflict: status.FAILED_PRECONDITION,
  NotModified: status.FAILED_PRECONDITION,
  Unknown: status.UNKNOWN,
};

/** What a status from a peer that sends no ce metadata means. */
const fromStatus = new Map<status, ErrorCode>([
  [status.CANCELLED, 'Canceled'],
  [status.UNKNOWN, 'Unknown'],
  [status.INVALID_ARGUMENT, 'InvalidArgument'],
  [status.DEADLINE_EXCEEDED, 'DeadlineExceeded'],
  [status.NOT_FOUND, 'NotFound'],
  [status.ALREADY_EXISTS, 'AlreadyExists'],
  [status.PERMISSION_DENIED, 'PermissionDenied'],
  [status.RESOURCE_EXHAUSTED, 'ResourceExhausted'],
  [status.FAILED_PRECONDITION, 'FailedPrecondition'],
  [status.ABORTED, 'Aborted'],
  [status.OUT_OF_RANGE, 'InvalidArgument'],
  [status.UNIMPLEMENTED, 'Unimplemented'],
  [status.INTERNAL, 'Internal'],
  [status.UNAVAILABLE, 'Unavailable'],
  [status.DATA_LOSS, 'Internal'],
  [status.UNAUTHENTICATED, 'PermissionDenied'],
]);

/** Trailing metadata keys that carry a CeError's code and facts. */
const CODE_KEY = 'ce-error-code';
const FACT_KEYS = { op: 'ce-error-op', errno: 'ce-error-errno', path: 'ce-error-path' } as const;

export function grpcStatusOfCode(code: ErrorCode): status {
  return toStatus[code];
}

/** The gRPC status a server sends for anything a handler threw. */
export function toStatusObject(err: unknown): Partial<StatusObject> {
  const ce = asCeError(err);
  const metadata = new Metadata();
  metadata.set(CODE_KEY, ce.code);
  for (const [fact, key] of Object.entries(FACT_KEYS) as [keyof FailureFacts, string][]) {
    // Metadata values must be printable ASCII: a path is sent percent-encoded.
    const value = ce[fact];
    if (value) metadata.set(key, encodeURIComponent(value));
  }
  return { code: toStatus[ce.code], details: ce.message, metadata };
}

function metadataText(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' && value ? value : undefined;
}

/** The CeError a client raises for a failed call. */
export function fromServiceError(err: ServiceError | Error, target?: string): CeError {
  const se = err as Partial<ServiceError>;
  if (typeof se.code !== 'number') return asCeError(err);
  const sent = metadataText(se.metadata, CODE_KEY);
  const code: ErrorCode = isErrorCode(sent) ? sent : (fromStatus.get(se.code) ?? 'Unknown');
  const facts: FailureFacts = {};
  for (const [fact, key] of Object.entries(FACT_KEYS) as [keyof FailureFacts, string][]) {
    const value = metadataText(se.metadata, key);
    if (value) facts[fact] = safeDecode(value);
  }
  let message = se.details || err.message;
  if (code === 'Unavailable' && target) message = `cannot reach ${target}: ${message}`;
  return new CeError(code, message, { ...facts, cause: err });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
