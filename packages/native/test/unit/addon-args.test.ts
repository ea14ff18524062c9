// The addon checks argument types itself: a wrong type is a TypeError naming
// the argument, never a syscall on a coerced value.
import { describe, expect, it } from 'vitest';
import { flock, umount2 } from '../../src/index.js';

const wrong = <T>(v: unknown) => v as T;

describe('argument checks of the addon', () => {
  it('umount2 refuses a target that is not a string', () => {
    expect(() => umount2(wrong<string>(42))).toThrow(new TypeError('umount2: target must be a string'));
  });

  it('umount2 refuses flags that are not a number', () => {
    expect(() => umount2('/nonexistent', wrong<number>('2'))).toThrow(new TypeError('umount2: flags must be a number'));
  });

  it('flock refuses an fd that is not a number', () => {
    expect(() => flock(wrong<number>('3'), 2)).toThrow(new TypeError('flock: fd must be a number'));
  });

  it('flock refuses an operation that is not a number', () => {
    expect(() => flock(0, wrong<number>({}))).toThrow(new TypeError('flock: operation must be a number'));
  });
});
