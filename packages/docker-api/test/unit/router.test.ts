import { describe, expect, it } from 'vitest';
import { Router } from '../../src/router.js';

describe('Router', () => {
  const handler = () => {};
  const other = () => {};

  it('matches by method and path, one segment per parameter, and decodes them', () => {
    const router = new Router().get('/containers/{id}/json', handler).post('/containers/{id}/start', other);
    expect(router.match('GET', '/containers/web%201/json')).toEqual({ handler, params: { id: 'web 1' } });
    expect(router.match('POST', '/containers/abc/start')).toEqual({ handler: other, params: { id: 'abc' } });
    expect(router.match('POST', '/containers/abc/json')).toBeUndefined();
    expect(router.match('GET', '/containers/a/b/json')).toBeUndefined();
  });

  it('takes the rest of the path, slashes included, for a {name*} parameter (image names)', () => {
    const router = new Router().get('/images/{name*}/json', handler).delete('/images/{name*}', other);
    expect(router.match('GET', '/images/localhost:5000/team/app:v1/json')?.params).toEqual({ name: 'localhost:5000/team/app:v1' });
    expect(router.match('DELETE', '/images/busybox')?.params).toEqual({ name: 'busybox' });
  });

  it('escapes the pattern\'s own characters', () => {
    const router = new Router().get('/_ping', handler);
    expect(router.match('GET', '/_ping')).toBeDefined();
    expect(router.match('GET', '/_pingx')).toBeUndefined();
  });
});

describe('Router against its patterns as regular expressions', () => {
  it('matches what `{name}` as ([^/]+) and `{name*}` as (.+) would, and nothing else', () => {
    const patterns = ['/_ping', '/containers/json', '/containers/{id}/json', '/containers/{id}', '/images/{name*}/json', '/images/{name*}', '/exec/{id}/start'];
    const paths = [
      '/_ping',
      '/_ping/',
      '/containers/json',
      '/containers/abc/json',
      '/containers//json',
      '/containers/a/b/json',
      '/containers/abc',
      '/containers/',
      '/containers/json/',
      '/images/busybox/json',
      '/images/localhost:5000/team/app:v1/json',
      '/images//x/json',
      '/images/json',
      '/images/',
      '/images/a/',
      '/images/a//json',
      '/exec/1/start',
      '/exec//start',
      'containers/json',
    ];
    for (const pattern of patterns) {
      const names: string[] = [];
      const source = pattern.replace(/\{(\w+)(\*)?\}/g, (_all, name: string, greedy?: string) => (names.push(name), greedy ? '(.+)' : '([^/]+)'));
      const re = new RegExp(`^${source}$`);
      const router = new Router().get(pattern, () => {});
      for (const path of paths) {
        const m = re.exec(path);
        const expected = m ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) : undefined;
        expect({ pattern, path, params: router.match('GET', path)?.params }).toEqual({ pattern, path, params: expected });
      }
    }
  });

  it('tries the routes in the order they were added', () => {
    const first = () => {};
    const second = () => {};
    const router = new Router().get('/containers/json', first).get('/containers/{id}', second);
    expect(router.match('GET', '/containers/json')?.handler).toBe(first);
    expect(router.match('GET', '/containers/x')?.handler).toBe(second);
    expect(router.match('HEAD', '/containers/x')).toBeUndefined();
  });
});
