import { describe, expect, it } from 'vitest';
import { ID_RANGE_MESSAGE, parseUserSpec, resolveUser } from '../../src/containers/process-user.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nweb:x:1000:1001:web:/srv/web:/bin/sh\n';
const group = 'root:x:0:\nwheel:x:10:root\nwww:x:1001:\nlogs:x:2000:web,other\nnogroup:x:65534:\n';

describe('user ids out of range (uid -1 means "unchanged" to the kernel)', () => {
  it.each(['4294967295', '2147483648', '65534:4294967295', '0:2147483648', '-1', '1:-1', '99999999999999999999'])('refuses %s', (spec) => {
    expect(() => parseUserSpec(spec)).toThrow(ID_RANGE_MESSAGE);
    expect(() => resolveUser(spec, passwd, group)).toThrow(ID_RANGE_MESSAGE);
  });
  it('accepts the edges of the range', () => {
    expect(resolveUser('2147483647:2147483647', null, null)).toMatchObject({ uid: 2147483647, gid: 2147483647 });
    expect(resolveUser('0:0', null, null)).toMatchObject({ uid: 0, gid: 0 });
  });
  it('refuses an id out of range that an entry of the image names', () => {
    expect(() => resolveUser('evil', 'evil:x:4294967295:0::/:/bin/sh\n', null)).toThrow(ID_RANGE_MESSAGE);
  });
});

describe("Docker's user resolution against the container's passwd and group", () => {
  it('defaults to root with its passwd home and groups', () => {
    expect(resolveUser('', passwd, group)).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
  });
  it('gives a numeric user found in passwd its gid and home', () => {
    expect(resolveUser('65534', passwd, group)).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534], home: '/nonexistent' });
    expect(resolveUser('1000', passwd, group)).toEqual({ uid: 1000, gid: 1001, additionalGids: [1001, 2000], home: '/srv/web' });
  });
  it('gives a numeric user not in passwd gid 0 and home /', () => {
    expect(resolveUser('1234', passwd, group)).toEqual({ uid: 1234, gid: 0, additionalGids: [0], home: '/' });
    expect(resolveUser('1234', null, null)).toEqual({ uid: 1234, gid: 0, additionalGids: [0], home: '/' });
  });
  it('resolves names, and an explicit group replaces the gid and drops the supplementary groups (the primary gid is always one)', () => {
    expect(resolveUser('web', passwd, group)).toEqual({ uid: 1000, gid: 1001, additionalGids: [1001, 2000], home: '/srv/web' });
    expect(resolveUser('web:wheel', passwd, group)).toEqual({ uid: 1000, gid: 10, additionalGids: [10], home: '/srv/web' });
    expect(resolveUser('1234:55', passwd, group)).toEqual({ uid: 1234, gid: 55, additionalGids: [55], home: '/' });
  });
  it('names the user or group it cannot find', () => {
    expect(() => resolveUser('nosuch', passwd, group)).toThrow('unable to find user nosuch: no matching entries in passwd file');
    expect(() => resolveUser('nosuch', null, null)).toThrow('unable to find user nosuch');
    expect(() => resolveUser('0:nosuch', passwd, group)).toThrow('unable to find group nosuch: no matching entries in group file');
  });
  it('accepts names at create time, before any file can be read', () => {
    expect(parseUserSpec('web:wheel')).toEqual({ user: 'web', group: 'wheel' });
  });
});
