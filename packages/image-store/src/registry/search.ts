// `docker search` against a registry that has no v1 search index: the
// registry's catalog (GET /v2/_catalog, following its Link pages), with the
// repositories whose name holds the term.
import { CeError } from '@ce/protocol';
import { failedPrecondition } from '@ce/protocol/errors';
import { DEFAULT_DOMAIN, parseReference } from '../reference/reference.js';
import { openTransports } from './session.js';
import { linkedPages } from './linked-pages.js';
import { registryErrorText, type RegistryResponse, type RegistryTransport } from './transport.js';
import type { RegistryOptions } from './types.js';

export interface SearchResult {
  /** What `ce pull` takes: "localhost:5000/team/app". */
  name: string;
  description: string;
  starCount: number;
  isOfficial: boolean;
  isAutomated: boolean;
}

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
  const failure = async (res: RegistryResponse) =>
    new CeError(res.status === 401 || res.status === 403 ? 'PermissionDenied' : 'Unavailable', `${t.endpoint.url}/v2/_catalog: ${res.status} ${await registryErrorText(res)}`);
  for await (const page of linkedPages<{ repositories?: string[] }>(t, '/v2/_catalog?n=1000', 'registry:catalog:*', failure)) yield* page.repositories ?? [];
}
