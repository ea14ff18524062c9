import { describe, expect, it } from 'vitest';
import { parseRestartFlag, restartConflictsWithRm } from '../../src/restart-flag.js';

describe('--restart as docker 20.10 parses it', () => {
  it('reads name[:count]', () => {
    expect(parseRestartFlag(undefined)).toEqual({ name: '', maximumRetryCount: 0 });
    expect(parseRestartFlag('always')).toEqual({ name: 'always', maximumRetryCount: 0 });
    expect(parseRestartFlag('on-failure:3')).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    // Negative counts and unknown names are the daemon's to refuse.
    expect(parseRestartFlag('on-failure:-1')).toEqual({ name: 'on-failure', maximumRetryCount: -1 });
    expect(parseRestartFlag('foo')).toEqual({ name: 'foo', maximumRetryCount: 0 });
  });

  it("refuses a bad format with docker's messages", () => {
    expect(() => parseRestartFlag('a:b:c')).toThrow(/^invalid restart policy format$/);
    expect(() => parseRestartFlag('on-failure:x')).toThrow(/^maximum retry count must be an integer$/);
    expect(() => parseRestartFlag('on-failure:')).toThrow(/^maximum retry count must be an integer$/);
    expect(() => parseRestartFlag('on-failure:1.5')).toThrow(/^maximum retry count must be an integer$/);
  });

  it('conflicts with --rm unless the policy is no', () => {
    expect(restartConflictsWithRm({ name: 'always', maximumRetryCount: 0 }, true)).toBe(true);
    expect(restartConflictsWithRm({ name: 'on-failure', maximumRetryCount: 2 }, true)).toBe(true);
    expect(restartConflictsWithRm({ name: 'no', maximumRetryCount: 0 }, true)).toBe(false);
    expect(restartConflictsWithRm({ name: '', maximumRetryCount: 0 }, true)).toBe(false);
    expect(restartConflictsWithRm({ name: 'always', maximumRetryCount: 0 }, false)).toBe(false);
  });
});
