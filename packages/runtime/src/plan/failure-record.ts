import { errnoName as nameOfErrno, RuntimeError, type RuntimeErrorCode } from '../errors.js';
import { Op } from './ops.js';

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([name, n]) => [n, name.toLowerCase()]));
/** The operation a failure record names: `exec` for the executable's lookup, `init` before any plan op. */
export function failureOp(op: number): string {
  if (op === Op.RESOLVE_EXE) return 'exec';
  return OP_NAMES.get(op) ?? 'init';
}

/** Ops whose failure is the caller's doing (the process's executable or cwd), not the runtime's. */
const CALLERS_OPS = new Set(['exec', 'chdir']);

/**
 * The error for ce-init's MSG_ERROR record: message, plan op, errno (decimal,
 * 0 for none), path. The code is decided from the op, not the message.
 */
export function errorFromFailureRecord(args: readonly Buffer[]): RuntimeError {
  const [message = '', op = '0', errno = '0', path = ''] = args.map((a) => a.toString('utf8'));
  const opName = failureOp(Number(op));
  const errnoName = nameOfErrno(Number(errno));
  const code: RuntimeErrorCode = CALLERS_OPS.has(opName) ? 'FailedPrecondition' : 'Internal';
  return new RuntimeError(code, message, { op: opName, ...(errnoName ? { errno: errnoName } : {}), ...(path ? { path } : {}) });
}
