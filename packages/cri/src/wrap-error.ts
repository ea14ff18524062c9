import { CeError } from '@ce/protocol';

/** `err` with containerd's "context: cause" words, its code kept (a plain error is Unknown, as Go's fmt.Errorf is). */
export function wrapError(err: unknown, context: string): CeError {
  const ce = err instanceof CeError ? err : new CeError('Unknown', String((err as Error)?.message ?? err));
  return new CeError(ce.code, `${context}: ${ce.message}`, { cause: err });
}
