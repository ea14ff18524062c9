import { CeError } from '@ce/protocol';
import { parseReference } from '../reference/reference.js';
import { openTransports } from './session.js';
import { registryErrorText } from './transport.js';
import type { RegistryCredentials, RegistryOptions } from './types.js';

/**
 * Checks credentials against a registry as `docker login` does: GET /v2/,
 * answering its challenge (basic, or a token with no scope) with them.
 * Resolves when the registry accepts them; PermissionDenied otherwise.
 */
export async function checkLogin(registry: string, credentials: RegistryCredentials, options: RegistryOptions = {}): Promise<void> {
  const ref = parseReference(`${registry}/ce-login-check`);
  const transports = await openTransports(ref, { ...options, mirrors: undefined }, credentials);
  const t = transports[transports.length - 1]!;
  try {
    const res = await t.request({ method: 'GET', path: '/v2/', scope: '' });
    if (res.status === 200) {
      res.body.resume();
      return;
    }
    const text = await registryErrorText(res);
    if (res.status === 401 || res.status === 403) {
      throw new CeError('PermissionDenied', `login attempt to ${t.endpoint.url}/v2/ failed with status: ${res.status} ${res.status === 401 ? 'Unauthorized' : 'Forbidden'} (${text})`);
    }
    throw new CeError('Unavailable', `login attempt to ${t.endpoint.url}/v2/ failed with status: ${res.status} (${text})`);
  } finally {
    for (const x of transports) x.close();
  }
}
