// The kernel's refusals in ce's error vocabulary, naming what was asked.
import { CeError, type ErrorCode } from '@ce/protocol/errors';
import { NetlinkRequestError } from './socket.js';

const CODES: Record<string, ErrorCode> = {
  EEXIST: 'AlreadyExists',
  ENODEV: 'NotFound',
  ENOENT: 'NotFound',
  ESRCH: 'NotFound',
  EINVAL: 'InvalidArgument',
  ERANGE: 'InvalidArgument',
  EADDRNOTAVAIL: 'InvalidArgument',
  ENETUNREACH: 'InvalidArgument',
  EPERM: 'PermissionDenied',
  EACCES: 'PermissionDenied',
  EOPNOTSUPP: 'FailedPrecondition',
  EBUSY: 'Conflict',
  ENOBUFS: 'ResourceExhausted',
  ENOMEM: 'ResourceExhausted',
  ENOSPC: 'ResourceExhausted',
  ETIMEDOUT: 'DeadlineExceeded',
};

/**
 * `what` says what was asked ("create bridge br0"); the message adds the
 * kernel's reason and, when it gave one, its extended-ack text. Errors that
 * are not the kernel's (a SyscallError of the socket, a bug) keep their code.
 */
export function kernelRefusal(what: string, err: unknown, codeOverride?: ErrorCode): CeError {
  if (err instanceof CeError) return err;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; syscall?: unknown };
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const code = codeOverride ?? (errno ? CODES[errno] : undefined) ?? 'Internal';
  const reason = err instanceof NetlinkRequestError ? describe(err) : String(e.message ?? err);
  return new CeError(code, `${what}: ${reason}`, { cause: err, errno, op: typeof e.syscall === 'string' ? e.syscall : 'rtnetlink' });
}

function describe(err: NetlinkRequestError): string {
  const words = ERRNO_WORDS[err.code] ?? err.code;
  return err.kernelMessage ? `${words} (${err.kernelMessage})` : words;
}

const ERRNO_WORDS: Record<string, string> = {
  EEXIST: 'file exists',
  ENODEV: 'no such device',
  ENOENT: 'no such file or directory',
  EINVAL: 'invalid argument',
  ERANGE: 'numerical result out of range',
  EPERM: 'operation not permitted',
  EOPNOTSUPP: 'operation not supported',
  EBUSY: 'device or resource busy',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
};

export function isKernelError(err: unknown, ...codes: string[]): boolean {
  return err instanceof NetlinkRequestError && codes.includes(err.code);
}
