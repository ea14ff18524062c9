import { DEFAULT_DETACH_KEYS, invalidArgument, parseDetachKeys } from '@ce/protocol';

/** The detach sequence of an attach: the client's, or Docker's default ctrl-p,ctrl-q; a bad one is dockerd's 400. */
export function detachKeysOf(spec: string | null | undefined): Buffer {
  if (!spec) return parseDetachKeys(DEFAULT_DETACH_KEYS);
  try {
    return parseDetachKeys(spec);
  } catch {
    throw invalidArgument(`Invalid detach keys (${spec}) provided`);
  }
}
