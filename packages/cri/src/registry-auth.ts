// The CRI's AuthConfig (what the kubelet sends with PullImage, from a pod's
// imagePullSecrets or its credential provider) → ce's RegistryAuth, as
// containerd's CRI plugin reads it (ParseAuth).
import { invalidArgument } from '@ce/protocol';
import type { RegistryAuth } from '@ce/protocol/gen/ce/images/v1/images';
import type { AuthConfig } from './gen/runtime/v1/api.js';

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The credentials for a pull from `registryHost`, or undefined for an
 * anonymous pull. As containerd: credentials whose server_address names
 * another registry are not sent; username/password come first, then the
 * identity token, then `auth` (base64 "user:password"); a registry token is
 * sent as a bearer token (containerd leaves it unsupported).
 */
export function registryAuthFor(auth: AuthConfig | undefined, registryHost: string): RegistryAuth | undefined {
  if (!auth) return undefined;
  if (auth.serverAddress && !sameRegistry(serverHost(auth.serverAddress), registryHost)) return undefined;
  if (auth.username) return credentials({ username: auth.username, password: auth.password });
  if (auth.identityToken) return credentials({ identityToken: auth.identityToken });
  if (auth.auth) return credentials(decodeAuth(auth.auth));
  if (auth.registryToken) return credentials({ registryToken: auth.registryToken });
  return undefined;
}

function credentials(fields: Partial<RegistryAuth>): RegistryAuth {
  return { username: '', password: '', identityToken: '', registryToken: '', ...fields };
}

/** "dXNlcjpwYXNz" → user and password; padding NULs trimmed from the password, as containerd does. */
function decodeAuth(encoded: string): { username: string; password: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw invalidArgument('auth: not valid base64');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidArgument('auth: the decoded value is not "username:password"');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}

/** "https://registry.example:5000/v1/" or "registry.example:5000" → "registry.example:5000". */
function serverHost(address: string): string {
  return address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
}

function sameRegistry(a: string, b: string): boolean {
  return a === b || (DOCKER_HUB_HOSTS.has(a) && DOCKER_HUB_HOSTS.has(b));
}
