// The tags of a repository (GET /v2/<name>/tags/list, every page), for
// `docker pull --all-tags`: mirrors first, as a pull asks them.
import { CeError, notFound } from '@ce/protocol';
import type { Reference } from '../reference/reference.js';
import { silentLogger } from '../util/logger.js';
import { linkedPages } from './linked-pages.js';
import { firstEndpoint, openTransports } from './session.js';
import { registryErrorText, type RegistryResponse } from './transport.js';
import type { RegistryCredentials, RegistryOptions } from './types.js';

export async function listTags(repository: Reference, options: RegistryOptions, call: { credentials?: RegistryCredentials; signal?: AbortSignal } = {}): Promise<string[]> {
  const transports = await openTransports(repository, options, call.credentials);
  // dockerd's words (distribution/errors.go) for a repository the registry does not know, or refuses.
  const failure = async (res: RegistryResponse) => {
    const text = await registryErrorText(res);
    if (res.status === 404) return notFound(`repository ${repository.familiarName} not found: ${text}`);
    if (res.status === 401 || res.status === 403) {
      return new CeError('PermissionDenied', `pull access denied for ${repository.familiarName}, repository does not exist or may require 'ce login': ${text}`);
    }
    return new CeError(res.status >= 500 ? 'Unavailable' : 'InvalidArgument', `tags of ${repository.familiarName}: ${text}`);
  };
  try {
    const { value } = await firstEndpoint(
      transports,
      async (t) => {
        const tags: string[] = [];
        for await (const page of linkedPages<{ tags?: string[] | null }>(t, `/v2/${repository.path}/tags/list`, `repository:${repository.path}:pull`, failure, call.signal)) {
          tags.push(...(page.tags ?? []));
        }
        return tags;
      },
      (endpoint, err) => (options.logger ?? silentLogger).warn({ mirror: endpoint.url, repository: repository.name, err: (err as Error).message }, 'mirror failed; trying the next endpoint'),
    );
    return value;
  } finally {
    for (const t of transports) t.close();
  }
}
