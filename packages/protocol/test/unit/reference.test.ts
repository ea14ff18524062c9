import { describe, expect, it } from 'vitest';
import { CeError } from '../../src/errors/index.js';
import { familiarReference, isIdLike, normalizeReference, parseReference } from '../../src/reference/index.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('reference normalisation', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/repo', 'docker.io/user/repo:latest', 'user/repo:latest'],
    ['user/repo/sub:v2', 'docker.io/user/repo/sub:v2', 'user/repo/sub:v2'],
    ['localhost/repo', 'localhost/repo:latest', 'localhost/repo:latest'],
    ['localhost:5000/repo:tag', 'localhost:5000/repo:tag', 'localhost:5000/repo:tag'],
    ['registry.example.com:443/a/b:c', 'registry.example.com:443/a/b:c', 'registry.example.com:443/a/b:c'],
    ['quay.io/coreos/etcd', 'quay.io/coreos/etcd:latest', 'quay.io/coreos/etcd:latest'],
    ['[::1]:5000/repo', '[::1]:5000/repo:latest', '[::1]:5000/repo:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`, `busybox:1.36@${D}`],
    ['hello-world', 'docker.io/library/hello-world:latest', 'hello-world:latest'],
    ['a__b.c-d---e', 'docker.io/library/a__b.c-d---e:latest', 'a__b.c-d---e:latest'],
    ['Upper.example.com/repo', 'Upper.example.com/repo:latest', 'Upper.example.com/repo:latest'],
  ])('%s → %s (familiar %s)', (input, normalised, familiar) => {
    expect(normalizeReference(input)).toBe(normalised);
    expect(parseReference(input).familiar()).toBe(familiar);
    expect(familiarReference(normalised)).toBe(familiar);
  });

  it('splits a reference into its parts', () => {
    const r = parseReference('localhost:5000/team/app:v1');
    expect([r.domain, r.path, r.tag, r.digest, r.name]).toEqual(['localhost:5000', 'team/app', 'v1', undefined, 'localhost:5000/team/app']);
  });

  it('adds no tag when asked not to', () => {
    expect(parseReference('busybox', { defaultTag: false }).toString()).toBe('docker.io/library/busybox');
  });

  it.each([
    ['', /empty/],
    ['Busybox', /repository name "library\/Busybox" must be lowercase/],
    ['user/Repo', /must be lowercase/],
    ['busybox:-bad', /tag "-bad" must be/],
    ['busybox:.bad', /tag "\.bad" must be/],
    [`busybox:${'t'.repeat(129)}`, /tag "t+" must be/],
    ['busybox@sha256:abc', /bad digest "sha256:abc"/],
    [`busybox@sha256:${'A'.repeat(64)}`, /bad digest/],
    [`busybox@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    ['a'.repeat(64), /cannot be a 64-digit hexadecimal string/],
    ['bad..name', /"bad\.\.name" is not a valid repository name component/],
    ['-leading', /not a valid repository name component/],
    ['repo/', /empty path component/],
    ['repo//x', /empty path component/],
    ['host:port:x/repo', /not a valid registry host|tag/],
    ['sp ace', /not a valid repository name component/],
    [':tag', /repository name is empty/],
    [`example.com/${'a'.repeat(250)}`, /longer than 255/],
  ])('rejects %j', (input, message) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CeError);
    expect((err as CeError).code).toBe('InvalidArgument');
    expect((err as CeError).message).toMatch(/^invalid reference format/);
    expect((err as CeError).message).toMatch(message);
  });

  it('leaves an unparsable reference unchanged in familiar form', () => {
    expect(familiarReference('Not Valid')).toBe('Not Valid');
  });

  it('recognises id-like strings', () => {
    expect(isIdLike('abcd')).toBe(true);
    expect(isIdLike('sha256:abcd')).toBe(true);
    expect(isIdLike('abc')).toBe(false);
    expect(isIdLike('busybox')).toBe(false);
  });
});
