import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { asCeError, CeError, ERROR_CODES, fromServiceError, toStatusObject } from '../../src/index.js';

describe('error vocabulary', () => {
  it('maps every code to a distinct gRPC status and back', () => {
    const seen = new Set<number>();
    for (const code of ERROR_CODES) {
      const s = toStatusObject(new CeError(code, `m-${code}`));
      expect(seen.has(s.code!)).toBe(false);
      seen.add(s.code!);
      const back = fromServiceError(Object.assign(new Error('x'), { code: s.code, details: s.details, metadata: s.metadata! }));
      expect(back.code).toBe(code);
      expect(back.message).toBe(`m-${code}`);
    }
    expect(toStatusObject(new CeError('NotFound', 'x')).code).toBe(status.NOT_FOUND);
  });

  it('keeps the vocabulary code of errors thrown by libraries that do not depend on @ce/protocol', () => {
    const err = Object.assign(new Error('id in use'), { code: 'AlreadyExists' });
    expect(asCeError(err).code).toBe('AlreadyExists');
  });

  it('maps errno codes and anything else', () => {
    expect(asCeError(Object.assign(new Error('gone'), { code: 'ENOENT' })).code).toBe('NotFound');
    expect(asCeError(Object.assign(new Error('full'), { code: 'ENOSPC' })).code).toBe('ResourceExhausted');
    expect(asCeError('boom').code).toBe('Internal');
  });
});
