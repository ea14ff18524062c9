import { describe, expect, it } from 'vitest';
import { userOptionProblem } from '../../src/user-option.js';

describe('ce run -u', () => {
  it.each(['4294967295', '2147483648', '65534:4294967295', 'nobody:4294967295', '-1', '0:-1'])('refuses %s: uid/gid -1 would leave the process root', (u) => {
    expect(userOptionProblem(u)).toBe('uids and gids must be in range 0-2147483647');
  });
  it.each(['0', '2147483647', '65534:65534', 'nobody', 'nobody:nogroup', '1000:0'])('accepts %s', (u) => {
    expect(userOptionProblem(u)).toBeNull();
  });
  it('refuses more than one colon', () => {
    expect(userOptionProblem('1:2:3')).toMatch(/invalid user "1:2:3"/);
  });
});
