import { describe, expect, it } from 'vitest';
import { errorFromFailureRecord, failureOp } from '../../src/plan/failure-record.js';
import { Op } from '../../src/plan/ops.js';
import { RuntimeError } from '../../src/errors.js';

const record = (...args: string[]) => args.map((a) => Buffer.from(a));

describe("ce-init's failure records", () => {
  it('turn into a RuntimeError with the op, the errno by name and the path', () => {
    const err = errorFromFailureRecord(record('exec: "nope": executable file not found in $PATH', String(Op.RESOLVE_EXE), '2', 'nope'));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: 'FailedPrecondition', op: 'exec', errno: 'ENOENT', path: 'nope', message: 'exec: "nope": executable file not found in $PATH' });
  });

  it("call a failed cwd the caller's doing and anything else the runtime's", () => {
    expect(errorFromFailureRecord(record('chdir to cwd', String(Op.CHDIR), '13', '/w'))).toMatchObject({ code: 'FailedPrecondition', op: 'chdir', errno: 'EACCES' });
    expect(errorFromFailureRecord(record('mount proc', String(Op.MOUNT), '1', '/proc'))).toMatchObject({ code: 'Internal', op: 'mount', errno: 'EPERM', path: '/proc' });
  });

  it('leave out an errno of 0 and an empty path, and name failures before any op', () => {
    const err = errorFromFailureRecord(record('ce-init: plan too short', '0', '0', ''));
    expect(err.op).toBe('init');
    expect(err.errno).toBeUndefined();
    expect(err.path).toBeUndefined();
  });

  it('read an old-style record that has only the message', () => {
    expect(errorFromFailureRecord(record('something broke'))).toMatchObject({ code: 'Internal', op: 'init', message: 'something broke' });
  });

  it('name ops by their plan name', () => {
    expect(failureOp(Op.PIVOT_ROOT)).toBe('pivot_root');
    expect(failureOp(Op.SETNS)).toBe('setns');
    expect(failureOp(9999)).toBe('init');
  });
});
