// A full disk is not a corrupt layer or an unreadable archive: whatever step
// meets ENOSPC says so, and where, as gRPC ResourceExhausted.
import { CeError, isCeError } from '@ce/protocol';

const NO_SPACE = 'no space left on device while ';

/**
 * The ResourceExhausted error for `err` when it (or an error it was caused by)
 * is ENOSPC or EDQUOT: "no space left on device while <operation> <path>".
 * One already worded so is returned as it is; anything else gives undefined.
 */
export function noSpaceLeft(err: unknown, operation: string, path: string): CeError | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    if (isCeError(e, 'ResourceExhausted') && e.message.includes(NO_SPACE)) return e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new CeError('ResourceExhausted', `${NO_SPACE}${operation} ${path}`, { cause: e });
  }
  return undefined;
}

export const isNoSpaceError = (err: unknown): boolean => isCeError(err, 'ResourceExhausted') && err.message.includes(NO_SPACE);
