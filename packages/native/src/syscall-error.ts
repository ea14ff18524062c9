/** The one error type that crosses the native boundary. */
export class SyscallError extends Error {
  override name = 'SyscallError';
  constructor(
    message: string,
    readonly errno: number,
    readonly code: string,
    readonly syscall: string,
    readonly args: readonly string[],
  ) {
    super(message);
  }

  /** Re-types an error thrown by the addon; other errors pass through. */
  static from(err: unknown): unknown {
    if (err instanceof Error && typeof (err as { syscall?: unknown }).syscall === 'string') {
      const e = err as Error & { errno: number; code: string; syscall: string; args?: string[] };
      const typed = new SyscallError(e.message, e.errno, e.code, e.syscall, e.args ?? []);
      typed.stack = e.stack;
      return typed;
    }
    return err;
  }
}
