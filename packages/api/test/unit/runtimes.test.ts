import { describe, expect, it } from 'vitest';
import { runcV1DeviceRules } from '../../src/containers/runc-devices.js';
import { parseAddedRuntimes, RuntimeTable } from '../../src/containers/runtimes.js';

const onPath = (found: Record<string, string>) => (name: string) => found[name];

describe('RuntimeTable', () => {
  it('resolves ce to the in-process runtime and runc to the runc on PATH', () => {
    const table = new RuntimeTable({}, 'ce', onPath({ runc: '/usr/sbin/runc' }));
    expect(table.resolve('')).toEqual({ name: 'ce', path: '' });
    expect(table.resolve('ce')).toEqual({ name: 'ce', path: '' });
    expect(table.resolve('runc')).toEqual({ name: 'runc', path: '/usr/sbin/runc' });
    expect(table.list()).toEqual([
      { name: 'ce', path: '' },
      { name: 'runc', path: '/usr/sbin/runc' },
    ]);
  });

  it("refuses an unknown runtime with Docker's message, and runc when it is not on PATH", () => {
    const table = new RuntimeTable({}, 'ce', onPath({}));
    expect(() => table.resolve('nope')).toThrow('Unknown runtime specified nope');
    expect(() => table.resolve('runc')).toThrow('Unknown runtime specified runc');
    expect(table.list()).toEqual([{ name: 'ce', path: '' }]);
  });

  it('uses added runtimes (a bare name looked up on PATH), which may replace runc, and a default', () => {
    const table = new RuntimeTable({ crun: '/opt/crun', runc: 'my-runc' }, 'crun', onPath({ 'my-runc': '/bin/my-runc', runc: '/usr/sbin/runc' }));
    expect(table.resolve('')).toEqual({ name: 'crun', path: '/opt/crun' });
    expect(table.resolve('runc')).toEqual({ name: 'runc', path: '/bin/my-runc' });
    expect(() => new RuntimeTable({}, 'nope')).toThrow('the default runtime nope is not a known runtime');
  });
});

describe('parseAddedRuntimes', () => {
  it('reads name=path, refusing malformed, reserved and repeated names', () => {
    expect(parseAddedRuntimes(['runc=/usr/sbin/runc', 'crun=/opt/crun=x'])).toEqual({ runc: '/usr/sbin/runc', crun: '/opt/crun=x' });
    expect(() => parseAddedRuntimes(['runc'])).toThrow('invalid runtime: runc (expected name=path)');
    expect(() => parseAddedRuntimes(['=/x'])).toThrow('invalid runtime: =/x');
    expect(() => parseAddedRuntimes(['ce=/x'])).toThrow("runtime name 'ce' is reserved");
    expect(() => parseAddedRuntimes(['a=/x', 'a=/y'])).toThrow('runtime a is added twice');
  });
});

describe('runcV1DeviceRules', () => {
  it("drops a one-device deny after a wildcard allow of its type (Docker's /dev/fuse), keeping the rest", () => {
    const rules = [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', access: 'm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
      { allow: false, type: 'b', major: 8, minor: 0, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
    ];
    expect(runcV1DeviceRules(rules)).toEqual([rules[0], rules[1], rules[2], rules[4], rules[5]]);
  });
});
