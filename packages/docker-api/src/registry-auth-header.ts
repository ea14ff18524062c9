// Docker's AuthConfig (api/types/auth.go), as clients send it: in the
// X-Registry-Auth header (base64url JSON) of pull and push, and as the body of
// POST /auth. It becomes ce's RegistryAuth, the credentials `ce pull` sends.
import type { RegistryAuth } from '@ce/protocol/gen/ce/images/v1/images';

export interface AuthConfig {
  auth: RegistryAuth;
  /** The registry the credentials are for ("127.0.0.1:5000", "https://index.docker.io/v1/"); empty when not given. */
  serverAddress: string;
}

/** A field of a JSON object by name, matched without regard to case as Go's encoding/json does. */
function field(object: Record<string, unknown>, name: string): string {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : object[key];
  return typeof value === 'string' ? value : '';
}

/**
 * Docker's AuthConfig JSON → credentials. `auth` (base64 "user:password", the
 * config file's form) stands for username and password when they are absent.
 */
export function authConfigFromJson(value: unknown): AuthConfig {
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  let username = field(object, 'username');
  let password = field(object, 'password');
  const encoded = field(object, 'auth');
  if (!username && !password && encoded) {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  return {
    auth: { username, password, identityToken: field(object, 'identitytoken'), registryToken: field(object, 'registrytoken') },
    serverAddress: field(object, 'serveraddress'),
  };
}

/**
 * The X-Registry-Auth header → credentials, or undefined when it carries none.
 * As dockerd, a header that does not decode counts as no credentials (its
 * pull "defaults to empty" for compatibility). Both base64 alphabets are read:
 * the docker CLI sends base64url, some clients standard base64.
 */
export function registryAuthFromHeader(header: string | string[] | undefined): RegistryAuth | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const { auth } = authConfigFromJson(parsed);
  return auth.username || auth.password || auth.identityToken || auth.registryToken ? auth : undefined;
}
