import { notFound } from '@ce/protocol';
import type { Reference } from '../reference/reference.js';
import { silentLogger } from '../util/logger.js';
import { resolveEndpoints, type Endpoint } from './endpoints.js';
import { RegistryTransport } from './transport.js';
import type { RegistryCredentials, RegistryOptions } from './types.js';

/** The credentials for a registry host from the options (a lookup function or a map by host). */
export function credentialsFor(registry: string, options: RegistryOptions, override?: RegistryCredentials): RegistryCredentials | undefined {
  if (override && (override.username || override.password || override.identityToken || override.registryToken)) return override;
  const c = options.credentials;
  if (!c) return undefined;
  return typeof c === 'function' ? c(registry) : c[registry];
}

/** Transports to every endpoint of a reference's registry: mirrors first, then the registry. */
export async function openTransports(ref: Reference, options: RegistryOptions, override?: RegistryCredentials): Promise<RegistryTransport[]> {
  const endpoints: Endpoint[] = await resolveEndpoints(ref.domain, options);
  const credentials = credentialsFor(ref.domain, options, override);
  return endpoints.map(
    (endpoint) =>
      new RegistryTransport(endpoint, {
        // Mirrors are anonymous: the user's registry password is not theirs to see.
        credentials: endpoint.mirror ? undefined : credentials,
        userAgent: options.userAgent,
        retries: options.retries,
        retryBackoffMs: options.retryBackoffMs,
        logger: options.logger ?? silentLogger,
      }),
  );
}

/**
 * Tries `attempt` on each transport in order, as Docker does with mirrors:
 * a mirror's failure moves on to the next endpoint; the last endpoint's
 * (the registry's) error is the one reported.
 */
export async function firstEndpoint<T>(
  transports: RegistryTransport[],
  attempt: (t: RegistryTransport) => Promise<T>,
  onMirrorFailure?: (endpoint: Endpoint, err: unknown) => void,
): Promise<{ transport: RegistryTransport; value: T }> {
  let lastErr: unknown = notFound('no registry endpoint');
  for (const [i, t] of transports.entries()) {
    try {
      return { transport: t, value: await attempt(t) };
    } catch (err) {
      lastErr = err;
      if (i === transports.length - 1) break;
      // Anything wrong with a mirror (missing image, bad content, down) is a reason to ask the next endpoint.
      onMirrorFailure?.(t.endpoint, err);
    }
  }
  throw lastErr;
}
