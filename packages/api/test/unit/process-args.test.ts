import { describe, expect, it } from 'vitest';
import { mergeEnv, resolveArgs } from '../../src/containers/process-args.js';
import { generateName, validateName } from '../../src/containers/names.js';
import { parseSignal } from '../../src/containers/signals.js';

describe("Docker's entrypoint and command rules", () => {
  const image = { Entrypoint: ['/hello'], Cmd: ['default'] };
  it('uses the image entrypoint and command when none is given', () => {
    expect(resolveArgs(image, undefined, undefined)).toEqual(['/hello', 'default']);
  });
  it('replaces only the command when one is given', () => {
    expect(resolveArgs(image, undefined, ['3'])).toEqual(['/hello', '3']);
  });
  it('drops the image command when the entrypoint is replaced', () => {
    expect(resolveArgs(image, ['/bin/sh'], undefined)).toEqual(['/bin/sh']);
    expect(resolveArgs({ Cmd: ['x'] }, [], ['ls', '-l'])).toEqual(['ls', '-l']);
  });
  it('refuses a container with nothing to run', () => {
    expect(() => resolveArgs({}, [], undefined)).toThrow('No command specified');
  });
});

describe('environment', () => {
  it('lets later lists override earlier keys, keeping first-seen order', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'])).toEqual(['PATH=/bin', 'A=2', 'B=3']);
  });
  it('rejects an entry without a name', () => {
    expect(() => mergeEnv(['=oops'])).toThrow(/invalid environment variable/);
  });
});

describe('names and signals', () => {
  it("validates names with Docker's rule", () => {
    expect(validateName('/web-1')).toBe('web-1');
    expect(() => validateName('a')).toThrow(/Invalid container name/);
    expect(() => validateName('-x')).toThrow(/Invalid container name/);
  });
  it('generates a name that is not taken', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const n = generateName((x) => taken.has(x));
      expect(taken.has(n)).toBe(false);
      expect(n).toMatch(/^[a-z]+_[a-z]+\d?$/);
      taken.add(n);
    }
  });
  it('parses signal names and numbers', () => {
    expect(parseSignal('')).toBe(9);
    expect(parseSignal('TERM')).toBe(15);
    expect(parseSignal('SIGHUP')).toBe(1);
    expect(parseSignal('2')).toBe(2);
    expect(() => parseSignal('NOPE')).toThrow('Invalid signal: NOPE');
    expect(() => parseSignal('99')).toThrow('Invalid signal: 99');
  });
});
