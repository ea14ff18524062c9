import { asCeError, CeError } from '@ce/protocol';

/**
 * A failed registry call (pull, login) with dockerd's status: a registry
 * that cannot be reached or that refused the credentials is a 500 there
 * (ced says Unavailable and PermissionDenied, which are ce's own words for
 * its CLI); the message is ced's.
 */
export function asRegistryFailure(err: unknown): unknown {
  const ce = asCeError(err);
  return ce.code === 'Unavailable' || ce.code === 'PermissionDenied' ? new CeError('Unknown', ce.message, { cause: err }) : err;
}
