import { describe, expect, it } from 'vitest';
import { buildSpecSync, withCwd, withEnv, withProcessArgs, withTerminal, withUser } from '../../../src/spec/index.js';

describe('process options', () => {
  it('withProcessArgs sets the command line and refuses an empty one', () => {
    const args = ['sh', '-c', 'echo hi'];
    const spec = buildSpecSync([withProcessArgs(args)]);
    expect(spec.process!.args).toEqual(['sh', '-c', 'echo hi']);
    args.push('later');
    expect(spec.process!.args).toHaveLength(3);
    expect(() => withProcessArgs([])).toThrow('withProcessArgs: a process needs at least one argument');
  });
  it('withUser sets uid, gid and supplementary groups', () => {
    expect(buildSpecSync([withUser({ uid: 1000, gid: 100, additionalGids: [100, 27] })]).process!.user).toEqual({ uid: 1000, gid: 100, additionalGids: [100, 27] });
    expect(buildSpecSync([withUser({ uid: 1, gid: 2 })]).process!.user).toEqual({ uid: 1, gid: 2, additionalGids: [] });
  });
  it('withEnv replaces the environment, in the order given', () => {
    expect(buildSpecSync([withEnv(['B=2', 'A=1'])]).process!.env).toEqual(['B=2', 'A=1']);
  });
  it('withCwd sets an absolute working directory and refuses a relative one', () => {
    expect(buildSpecSync([withCwd('/srv')]).process!.cwd).toBe('/srv');
    expect(() => withCwd('srv')).toThrow("withCwd: the working directory 'srv' is not an absolute path");
  });
  it('withTerminal turns the pseudo-terminal on and off', () => {
    expect(buildSpecSync([withTerminal(true)]).process!.terminal).toBe(true);
    expect(buildSpecSync([withTerminal(true), withTerminal(false)]).process!.terminal).toBe(false);
  });
  it('creates a process when the spec has none', () => {
    const spec = buildSpecSync([(s) => void delete s.process, withProcessArgs(['true'])]);
    expect(spec.process).toEqual({ user: { uid: 0, gid: 0 }, cwd: '/', args: ['true'] });
  });
});
