import { invalidArgument } from '@ce/protocol';
import type { RegistryCredentials } from './types.js';

/** One challenge of a `WWW-Authenticate` header: a scheme and its parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme
 * followed by `key=value` or `key="quoted value"` parameters.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const param = /[\s,]*([\w!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/y;
  const scheme = /[\s,]*([A-Za-z][\w!#$%&'*+.^`|~-]*)/y;
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let pos = 0;
  while (pos < text.length) {
    // A token followed by '=' is a parameter of the current challenge; otherwise it starts a new one.
    param.lastIndex = pos;
    const p = current ? param.exec(text) : null;
    if (p && current) {
      current.params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
      pos = param.lastIndex;
      continue;
    }
    scheme.lastIndex = pos;
    const s = scheme.exec(text);
    if (!s) break;
    current = { scheme: s[1]!.toLowerCase(), params: {} };
    out.push(current);
    pos = scheme.lastIndex;
  }
  return out;
}

export const basicAuthorization = (c: RegistryCredentials): string =>
  `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;

export const hasPassword = (c: RegistryCredentials | undefined): c is RegistryCredentials =>
  !!c && (c.username !== undefined || c.password !== undefined) && !!(c.username || c.password);

/** The repository scope a request needs, as the token server names it. */
export const repositoryScope = (repository: string, actions: 'pull' | 'pull,push'): string =>
  `repository:${repository}:${actions}`;

/** The token (and its life) a token server answered with. */
export interface BearerToken {
  token: string;
  expiresAt: number;
}

/** Reads a token server's answer: `token` or `access_token`, and `expires_in` (default 60 s). */
export function parseTokenResponse(body: Buffer, realm: string, now = Date.now()): BearerToken {
  let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    doc = JSON.parse(body.toString('utf8')) as typeof doc;
  } catch {
    throw invalidArgument(`the token server ${realm} answered with something other than JSON`);
  }
  const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
  if (typeof token !== 'string' || !token) {
    throw invalidArgument(`the token server ${realm} answered without a token (neither "token" nor "access_token")`);
  }
  const expiresIn = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
  // Renew a little early so a token does not expire between check and use.
  return { token, expiresAt: now + Math.max(1, expiresIn - 5) * 1000 };
}
