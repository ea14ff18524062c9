// The registry API's paginated lists (catalog, tags): each page a JSON body,
// the next one named by an RFC 5988 Link header, as distribution sends it:
// `</v2/_catalog?last=x&n=1000>; rel="next"`.
import type { RegistryResponse, RegistryTransport } from './transport.js';

/** Pages read at most, so a registry that keeps linking cannot keep a caller forever. */
const MAX_PAGES = 100;

/** Yields each page's parsed body; `failure` turns a non-200 answer into the error thrown. */
export async function* linkedPages<T>(
  t: RegistryTransport,
  firstPath: string,
  scope: string,
  failure: (res: RegistryResponse) => Promise<Error>,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  let path: string | undefined = firstPath;
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const res = await t.request({ method: 'GET', path, scope, signal });
    if (res.status !== 200) throw await failure(res);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    yield JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    path = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
  }
}
