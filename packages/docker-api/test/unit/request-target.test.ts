import { describe, expect, it } from 'vitest';
import { targetOf } from '../../src/server.js';

describe('targetOf', () => {
  it('gives the path and query new URL() gives, for plain targets and for those it rewrites', () => {
    const targets = [
      '/_ping',
      '/v1.41/containers/json',
      '/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D',
      '/v1.41/containers/46aee3/logs?stderr=1&stdout=1&tail=all',
      '/v1.41/images/localhost:5000/team/app:v1/json',
      '/v1.41/containers/json?',
      '/v1.41/containers/json?a=1?b=2',
      '/v1.41/containers/web%201/json',
      '/v1.41/containers/../json',
      '/v1.41/containers/./json',
      '/v1.41/containers/%2e%2e/json',
      '/v1.41/containers/x/..',
      '//host/containers/json',
      '/v1.41\\containers/json',
      '/v1.41/containers/json?filters={"a":["b c"]}',
      '/v1.41/containers/json#frag',
      '/v1.41/containers/j son',
      '/v1.41/containers/caf\u00e9/json?name=caf\u00e9',
    ];
    for (const target of targets) {
      const url = new URL(target, 'http://docker');
      const got = targetOf(target);
      expect({ target, pathname: got.pathname, query: [...got.query] }).toEqual({ target, pathname: url.pathname, query: [...url.searchParams] });
    }
  });
});
