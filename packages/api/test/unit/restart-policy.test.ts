import { describe, expect, it } from 'vitest';
import { isCeError } from '@ce/protocol';
import { RestartBackoff } from '../../src/containers/restart-backoff.js';
import { validateRestartPolicy } from '../../src/containers/restart-policy.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isCeError(err, 'InvalidArgument')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('validateRestartPolicy: the daemon side, in Docker 20.10 wording', () => {
  it('accepts the four policies and an empty name', () => {
    expect(validateRestartPolicy('no', 0, false)).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(validateRestartPolicy('always', 0, false)).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(validateRestartPolicy('unless-stopped', 0, false)).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
    expect(validateRestartPolicy('on-failure', 3, false)).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(validateRestartPolicy('on-failure', 0, false)).toEqual({ Name: 'on-failure', MaximumRetryCount: 0 });
    expect(validateRestartPolicy('', 0, true)).toEqual({ Name: '', MaximumRetryCount: 0 });
  });

  it('refuses what Docker refuses, with its message', () => {
    expect(refusal(() => validateRestartPolicy('foo', 0, false))).toBe(`invalid restart policy 'foo'`);
    expect(refusal(() => validateRestartPolicy('on-failure', -1, false))).toBe('maximum retry count cannot be negative');
    expect(refusal(() => validateRestartPolicy('always', 3, false))).toBe(`maximum retry count cannot be used with restart policy 'always'`);
    expect(refusal(() => validateRestartPolicy('no', 1, false))).toBe(`maximum retry count cannot be used with restart policy 'no'`);
    expect(refusal(() => validateRestartPolicy('always', 0, true))).toBe(`can't create 'AutoRemove' container with restart policy`);
    expect(validateRestartPolicy('no', 0, true).Name).toBe('no');
  });
});

const failure = (ranForMs = 50) => ({ exitCode: 1, manuallyStopped: false, ranForMs });
const success = (ranForMs = 50) => ({ exitCode: 0, manuallyStopped: false, ranForMs });

describe('RestartBackoff: Docker restartmanager decisions', () => {
  it('waits 100 ms, then doubles each time, up to a minute', () => {
    const b = new RestartBackoff({ Name: 'always', MaximumRetryCount: 0 });
    const delays = Array.from({ length: 12 }, () => {
      const d = b.decide(success());
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    expect(b.restartCount).toBe(12);
  });

  it('starts over at 100 ms after a run of 10 s or more', () => {
    const b = new RestartBackoff({ Name: 'always', MaximumRetryCount: 0 });
    b.decide(failure());
    b.decide(failure());
    expect(b.decide(failure(9_999))).toEqual({ restart: true, delayMs: 400 });
    expect(b.decide(failure(10_000))).toEqual({ restart: true, delayMs: 100 });
    expect(b.decide(failure())).toEqual({ restart: true, delayMs: 200 });
  });

  it('no never restarts', () => {
    expect(new RestartBackoff({ Name: 'no', MaximumRetryCount: 0 }).decide(failure())).toEqual({ restart: false });
    expect(new RestartBackoff({ Name: '', MaximumRetryCount: 0 }).decide(failure())).toEqual({ restart: false });
  });

  it('on-failure restarts non-zero exits only, at most MaximumRetryCount times, counting restarts it was given', () => {
    const b = new RestartBackoff({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(b.decide(success())).toEqual({ restart: false });
    expect([1, 2, 3, 4].map(() => b.decide(failure()).restart)).toEqual([true, true, true, false]);
    expect(b.restartCount).toBe(3);
    // A ced that comes back with RestartCount 2 allows one more.
    const resumed = new RestartBackoff({ Name: 'on-failure', MaximumRetryCount: 3 }, 2);
    expect([1, 2].map(() => resumed.decide(failure()).restart)).toEqual([true, false]);
    // 0: no maximum.
    const unlimited = new RestartBackoff({ Name: 'on-failure', MaximumRetryCount: 0 }, 1000);
    expect(unlimited.decide(failure()).restart).toBe(true);
  });

  it('the delay moves on even for exits the policy does not restart, as Docker does', () => {
    const b = new RestartBackoff({ Name: 'on-failure', MaximumRetryCount: 0 });
    expect(b.decide(success())).toEqual({ restart: false });
    expect(b.decide(failure())).toEqual({ restart: true, delayMs: 200 });
  });

  it('unless-stopped restarts unless a user stopped it; always restarts either way', () => {
    const stopped = { exitCode: 0, manuallyStopped: true, ranForMs: 50 };
    expect(new RestartBackoff({ Name: 'unless-stopped', MaximumRetryCount: 0 }).decide(stopped)).toEqual({ restart: false });
    expect(new RestartBackoff({ Name: 'unless-stopped', MaximumRetryCount: 0 }).decide(failure()).restart).toBe(true);
    expect(new RestartBackoff({ Name: 'always', MaximumRetryCount: 0 }).decide(stopped).restart).toBe(true);
  });
});
