import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { asCeError, CeError, ERROR_CODES, fromServiceError, grpcStatusOfCode, toStatusObject } from '../../src/index.js';
import { exitCodeForExecFailure, failureFacts, httpStatusOf, httpStatusOfCode } from '../../src/errors/index.js';

/** What a client sees after one hop: the status object as a ServiceError. */
function overTheWire(err: unknown): CeError {
  const s = toStatusObject(err);
  return fromServiceError(Object.assign(new Error('x'), { code: s.code, details: s.details, metadata: s.metadata! }));
}

describe('error vocabulary over gRPC', () => {
  it('brings every code and message back across a hop', () => {
    for (const code of ERROR_CODES) {
      const back = overTheWire(new CeError(code, `m-${code}`));
      expect(back.code).toBe(code);
      expect(back.message).toBe(`m-${code}`);
    }
  });

  it('maps every code that gRPC has a word for to a distinct status', () => {
    const own = ERROR_CODES.filter((c) => !['Conflict', 'NotModified'].includes(c));
    expect(new Set(own.map(grpcStatusOfCode)).size).toBe(own.length);
    expect(toStatusObject(new CeError('NotFound', 'x')).code).toBe(status.NOT_FOUND);
    expect(toStatusObject(new CeError('Conflict', 'x')).code).toBe(status.FAILED_PRECONDITION);
  });

  it('reads a bare status from a peer that sends no ce metadata', () => {
    const bare = (code: status) => fromServiceError(Object.assign(new Error('x'), { code, details: 'd', metadata: new Metadata() }));
    expect(bare(status.NOT_FOUND).code).toBe('NotFound');
    expect(bare(status.UNKNOWN).code).toBe('Unknown');
    expect(bare(status.UNAUTHENTICATED).code).toBe('PermissionDenied');
    expect(bare(status.DATA_LOSS).code).toBe('Internal');
  });

  it('carries the facts of a failure (op, errno, path), a path with any bytes included', () => {
    const path = '/rootfs/bin/ünïcode dir/x\n';
    const back = overTheWire(new CeError('InvalidArgument', 'exec failed', { op: 'exec', errno: 'ENOENT', path }));
    expect({ op: back.op, errno: back.errno, path: back.path }).toEqual({ op: 'exec', errno: 'ENOENT', path });
    // and on a second hop, as ced relays the shim's error to the CLI
    const again = overTheWire(back);
    expect(again.errno).toBe('ENOENT');
    expect(again.path).toBe(path);
  });

  it('sends no facts an error does not have', () => {
    const back = overTheWire(new CeError('Internal', 'boom'));
    expect(back.op).toBeUndefined();
    expect(back.errno).toBeUndefined();
    expect(back.path).toBeUndefined();
  });
});

describe('asCeError', () => {
  it('keeps the vocabulary code and facts of errors thrown by libraries that do not depend on @ce/protocol', () => {
    const err = Object.assign(new Error('id in use'), { code: 'AlreadyExists' });
    expect(asCeError(err).code).toBe('AlreadyExists');
    const launch = Object.assign(new Error('exec: "x": permission denied'), { code: 'InvalidArgument', op: 'exec', errno: 'EACCES', path: 'x' });
    const ce = asCeError(launch);
    expect([ce.code, ce.op, ce.errno, ce.path]).toEqual(['InvalidArgument', 'exec', 'EACCES', 'x']);
  });

  it("takes Node's errno fields as facts and maps errno names", () => {
    const enoent = Object.assign(new Error('gone'), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/x' });
    const ce = asCeError(enoent);
    expect([ce.code, ce.op, ce.errno, ce.path]).toEqual(['NotFound', 'open', 'ENOENT', '/x']);
    expect(asCeError(Object.assign(new Error('full'), { code: 'ENOSPC' })).code).toBe('ResourceExhausted');
    expect(asCeError(Object.assign(new Error('?'), { code: 'EIO' })).code).toBe('Internal');
    expect(asCeError('boom').code).toBe('Internal');
  });

  it('finds no facts in what is not an error', () => {
    expect(failureFacts('text')).toEqual({});
    expect(failureFacts(new Error('plain'))).toEqual({});
  });
});

describe('HTTP statuses (the Docker API edge)', () => {
  it("answers as dockerd's httpstatus.FromError does", () => {
    expect(httpStatusOfCode('NotFound')).toBe(404);
    expect(httpStatusOfCode('InvalidArgument')).toBe(400);
    expect(httpStatusOfCode('AlreadyExists')).toBe(409);
    expect(httpStatusOfCode('Conflict')).toBe(409);
    expect(httpStatusOfCode('FailedPrecondition')).toBe(409);
    expect(httpStatusOfCode('PermissionDenied')).toBe(403);
    expect(httpStatusOfCode('NotModified')).toBe(304);
    expect(httpStatusOfCode('Unimplemented')).toBe(501);
    expect(httpStatusOfCode('Unavailable')).toBe(503);
    expect(httpStatusOfCode('Internal')).toBe(500);
    expect(httpStatusOfCode('Unknown')).toBe(500);
  });

  it('maps anything thrown, and has a status for every code', () => {
    expect(httpStatusOf(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe(404);
    expect(httpStatusOf('boom')).toBe(500);
    expect(httpStatusOf(new CeError('FailedPrecondition', 'exec: "x": permission denied', { op: 'exec', errno: 'EACCES' }))).toBe(400);
    for (const code of ERROR_CODES) expect(httpStatusOfCode(code)).toBeGreaterThanOrEqual(300);
  });
});

describe('exitCodeForExecFailure', () => {
  const launch = (errno: string, op = 'exec') => new CeError('InvalidArgument', 'whatever the wording', { op, errno, path: 'x' });

  it('says 127 when the executable is not there (as docker run: not in $PATH, no such file)', () => {
    expect(exitCodeForExecFailure(launch('ENOENT'))).toBe(127);
  });

  it('says 126 when it is there but cannot be run (no x bit, a folder)', () => {
    expect(exitCodeForExecFailure(launch('EACCES'))).toBe(126);
    expect(exitCodeForExecFailure(launch('EISDIR'))).toBe(126);
    expect(exitCodeForExecFailure(launch('ENOEXEC'))).toBe(126);
  });

  it("leaves other errnos to the caller's code, as Docker 20.10 gives 125 for ENOTDIR and ELOOP", () => {
    expect(exitCodeForExecFailure(launch('ENOTDIR'))).toBeUndefined();
    expect(exitCodeForExecFailure(launch('ELOOP'))).toBeUndefined();
    expect(exitCodeForExecFailure(launch('EPERM'))).toBeUndefined();
  });

  it('says 126 for any failure to start an exec process, as docker exec does', () => {
    for (const errno of ['ENOENT', 'EACCES', 'ENOTDIR', 'ELOOP']) expect(exitCodeForExecFailure(launch(errno), 'exec')).toBe(126);
    expect(exitCodeForExecFailure(launch('ENOENT', 'chdir'), 'exec')).toBe(126);
    expect(exitCodeForExecFailure(new CeError('FailedPrecondition', 'container x is not running'), 'exec')).toBeUndefined();
  });

  it('decides from the facts, not the message', () => {
    expect(exitCodeForExecFailure(new Error('exec: "nope": executable file not found in $PATH'))).toBeUndefined();
    expect(exitCodeForExecFailure(launch('ENOENT', 'chdir'))).toBeUndefined();
    expect(exitCodeForExecFailure(overTheWire(launch('ENOENT')))).toBe(127);
  });
});
