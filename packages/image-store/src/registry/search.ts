// `docker search` against a registry that has no v1 search index: the
// registry's catalog (GET /v2/_catalog, following its Link pages), with the
// repositories whose name holds the term.
import { CeError } from '@ce/protocol';
import { failedPrecondition } from '@ce/protocol/errors';
import { DEFAULT_DOMAIN, parseReference } from '../reference/reference.js';
import { openTransports } from './session.js';
import { registryErrorText, type RegistryTransport } from './transport.js';
import type { RegistryOptions } from './types.js';

export interface SearchResult {
  /** What `ce pull` takes: "localhost:5000/team/app". */
  name: string;
  description: string;
  starCount: number;
  isOfficial: boolean;
  isAutomated: boolean;
}

/** Pages read at most: a registry's catalog is listed 1000 names at a time. */
const MAX_PAGES = 100;

/** "HOST[:PORT]/TERM" → the registry and the term; a term without a registry names Docker Hub. */
export function splitSearchTerm(term: string): { registry: string; term: string } {
  const slash = term.indexOf('/');
  const head = slash < 0 ? '' : term.slice(0, slash);
  if (head && (head.includes('.') || head.includes(':') || head === 'localhost')) return { registry: head, term: term.slice(slash + 1) };
  return { registry: DEFAULT_DOMAIN, term };
}

export async function searchRegistry(query: string, limit: number, options: RegistryOptions = {}): Promise<SearchResult[]> {
  const { registry, term } = splitSearchTerm(query);
  if (registry === DEFAULT_DOMAIN) throw failedPrecondition(`ce search reads a registry's catalog, which Docker Hub does not offer: name a registry, e.g. ce search localhost:5000/${term}`);
  const transports = await openTransports(parseReference(`${registry}/ce-search`), { ...options, mirrors: undefined });
  const t = transports[transports.length - 1]!;
  try {
    const needle = term.toLowerCase();
    const found: SearchResult[] = [];
    for await (const repo of catalog(t)) {
      if (!repo.toLowerCase().includes(needle)) continue;
      found.push({ name: `${registry}/${repo}`, description: '', starCount: 0, isOfficial: false, isAutomated: false });
      if (found.length >= limit) break;
    }
    return found;
  } finally {
    for (const x of transports) x.close();
  }
}

async function* catalog(t: RegistryTransport): AsyncGenerator<string> {
  let path: string | undefined = '/v2/_catalog?n=1000';
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const res = await t.request({ method: 'GET', path, scope: 'registry:catalog:*' });
    if (res.status !== 200) {
      const text = await registryErrorText(res);
      throw new CeError(res.status === 401 || res.status === 403 ? 'PermissionDenied' : 'Unavailable', `${t.endpoint.url}/v2/_catalog: ${res.status} ${text}`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { repositories?: string[] };
    yield* body.repositories ?? [];
    // RFC 5988, as distribution sends it: </v2/_catalog?last=x&n=1000>; rel="next"
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
    path = link?.[1];
  }
}
