// docker pull --all-tags lists a repository's tags: GET /v2/<name>/tags/list,
// following the Link header's pages, with dockerd's words when the registry
// does not know the repository.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReference } from '../../src/reference/reference.js';
import { listTags } from '../../src/registry/tags.js';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A registry that knows `team/app` and lists its tags two at a time, as distribution pages with `?n=2`. */
async function pagingRegistry(tags: string[], seen: string[]): Promise<string> {
  server = http.createServer((req, res) => {
    seen.push(req.url!);
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/v2/team/app/tags/list') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }));
      return;
    }
    const from = url.searchParams.has('last') ? tags.indexOf(url.searchParams.get('last')!) + 1 : 0;
    const page = tags.slice(from, from + 2);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (from + 2 < tags.length) headers.link = `</v2/team/app/tags/list?last=${page.at(-1)}&n=2>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: 'team/app', tags: page }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('listing the tags of a repository', () => {
  it('reads every page the Link header names, in the registry\'s order', async () => {
    const seen: string[] = [];
    const host = await pagingRegistry(['1.0', '1.1', '2.0', 'latest', 'v9'], seen);
    expect(await listTags(parseReference(`${host}/team/app`, { defaultTag: false }), {})).toEqual(['1.0', '1.1', '2.0', 'latest', 'v9']);
    expect(seen.filter((u) => u.includes('tags'))).toEqual(['/v2/team/app/tags/list', '/v2/team/app/tags/list?last=1.1&n=2', '/v2/team/app/tags/list?last=latest&n=2']);
  });

  it('names a repository the registry does not know as dockerd does', async () => {
    const host = await pagingRegistry([], []);
    await expect(listTags(parseReference(`${host}/team/nope`, { defaultTag: false }), {})).rejects.toMatchObject({
      code: 'NotFound',
      message: `repository ${host}/team/nope not found: name unknown: repository name not known to registry`,
    });
  });
});
