import { describe, expect, it } from 'vitest';
import { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys } from '../../src/detach-keys.js';

describe('parseDetachKeys', () => {
  it("reads Docker's forms: ctrl-<key> and single characters, comma-separated", () => {
    expect([...parseDetachKeys(DEFAULT_DETACH_KEYS)]).toEqual([0x10, 0x11]);
    expect([...parseDetachKeys('ctrl-x,y')]).toEqual([0x18, 0x79]);
    expect([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')]).toEqual([0, 27, 28, 29, 30, 31]);
    expect([...parseDetachKeys('CTRL-A')]).toEqual([1]);
  });

  it("refuses anything else with Docker's message", () => {
    for (const bad of ['zz', 'ctrl-', 'ctrl-1', 'a,,b', '', 'ctrl-ab']) {
      expect(() => parseDetachKeys(bad)).toThrow(`Invalid escape keys (${bad}) provided`);
    }
  });
});

describe('DetachKeyFilter', () => {
  const keys = parseDetachKeys(DEFAULT_DETACH_KEYS);

  it('passes input through and detaches on the whole sequence, dropping it', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(Buffer.from('ls\r'))).toEqual({ forward: Buffer.from('ls\r'), detach: false });
    expect(f.push(Buffer.from('a\x10\x11b'))).toEqual({ forward: Buffer.from('a'), detach: true });
  });

  it('holds a partial sequence across chunks and lets it go when the sequence breaks', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(Buffer.from('x\x10'))).toEqual({ forward: Buffer.from('x'), detach: false });
    expect(f.push(Buffer.from('y'))).toEqual({ forward: Buffer.from('\x10y'), detach: false });
    expect(f.push(Buffer.from('\x10'))).toEqual({ forward: Buffer.alloc(0), detach: false });
    expect(f.push(Buffer.from('\x11'))).toEqual({ forward: Buffer.alloc(0), detach: true });
  });

  it('starts over on a repeated first key (ctrl-p ctrl-p ctrl-q detaches, the first ctrl-p passes)', () => {
    const f = new DetachKeyFilter(keys);
    expect(f.push(Buffer.from('\x10\x10\x11'))).toEqual({ forward: Buffer.from('\x10'), detach: true });
  });
});
