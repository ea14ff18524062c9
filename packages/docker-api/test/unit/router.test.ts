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
