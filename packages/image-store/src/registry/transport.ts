import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CeError, invalidArgument, unavailable } from '@ce/protocol';
import { silentLogger, type Logger } from '../util/logger.js';
import { basicAuthorization, hasPassword, parseChallenges, parseTokenResponse, type BearerToken } from './auth.js';
import type { Endpoint } from './endpoints.js';
import type { RegistryCredentials } from './types.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the endpoint ("/v2/library/busybox/manifests/latest") or an absolute URL (upload locations). */
  path: string;
  headers?: Record<string, string>;
  /** A replayable body: bytes, or a function that opens the stream again for each attempt. */
  body?: Buffer | (() => Readable);
  /** The token scope the request needs ("repository:library/busybox:pull"). */
  scope: string;
  signal?: AbortSignal;
  /** Do not retry (a ranged download retries itself from where it stopped). */
  noRetry?: boolean;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The final URL (after redirects). */
  url: string;
  body: IncomingMessage;
}

export interface TransportOptions {
  credentials?: RegistryCredentials;
  userAgent?: string;
  retries?: number;
  retryBackoffMs?: number;
  logger?: Logger;
}

const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;

/** Reads a whole (small) response body, refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      res.destroy();
      throw invalidArgument(`${what} is larger than the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Errors worth another attempt: the network, not the request. */
const RETRYABLE_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const isRetryableNetworkError = (err: unknown): boolean =>
  RETRYABLE_ERRNO.has((err as NodeJS.ErrnoException)?.code ?? '') || (err as Error)?.message === 'socket hang up';

/** Docker's wording for what went wrong on the way to `url`. */
export function networkError(method: string, url: string, err: unknown): CeError {
  if (err instanceof CeError) return err;
  const e = err as NodeJS.ErrnoException;
  const verb = method[0] + method.slice(1).toLowerCase();
  const prefix = `${verb} "${url}"`;
  if (e.code === 'ECONNREFUSED') return unavailable(`${prefix}: dial tcp ${new URL(url).host}: connect: connection refused`, err);
  if (e.code && TLS_VERIFY_CODES.has(e.code)) {
    const host = new URL(url).host;
    const why = e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'certificate is not valid for this host' : 'certificate signed by unknown authority';
    return new CeError(
      'Unavailable',
      `${prefix}: tls: failed to verify certificate: x509: ${why} (${e.code}); trust the registry's CA with /etc/docker/certs.d/${host}/ca.crt (or the ca option), or list ${host} as an insecure registry`,
      { cause: err },
    );
  }
  if (e.code === 'EPROTO' || /wrong version number|packet length too long/.test(e.message ?? '')) {
    return unavailable(`${prefix}: http: server gave HTTP response to HTTPS client`, err);
  }
  return unavailable(`${prefix}: ${e.message ?? String(err)}`, err);
}

/**
 * HTTP to one registry endpoint with the distribution spec's authentication:
 * a request goes out with what is known for its scope (a cached bearer token,
 * or basic credentials once the registry asked for them); a 401 answer's
 * `WWW-Authenticate` challenge is followed (token fetched from the realm for
 * the scope, with the credentials as basic auth) and the request sent again.
 * Connection errors and 5xx/429 answers are retried with doubling backoff.
 */
export class RegistryTransport {
  /** Tokens by realm, service and scope; a fetch in flight is shared by the requests that need it. */
  private readonly tokens = new Map<string, Promise<BearerToken>>();
  /** Set once the endpoint has answered with a challenge: how to authorise later requests. */
  private challenge?: { scheme: string; params: Record<string, string> };
  private readonly logger: Logger;
  private readonly agent: http.Agent;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: TransportOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.agent = endpoint.url.startsWith('https:')
      ? new https.Agent({ keepAlive: true, maxSockets: 8, ca: endpoint.ca })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  get credentials(): RegistryCredentials | undefined {
    return this.options.credentials;
  }

  /** Sends a request, authenticating and retrying as needed; the caller consumes or destroys the body. */
  async request(req: RegistryRequest): Promise<RegistryResponse> {
    const attempts = req.noRetry ? 1 : Math.max(1, this.options.retries ?? 4);
    let backoff = this.options.retryBackoffMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      let res: RegistryResponse;
      try {
        res = await this.authorizedSend(req);
      } catch (err) {
        if (attempt < attempts && isRetryableNetworkError(err) && !req.signal?.aborted) {
          this.logger.debug({ url: req.path, attempt, err: (err as Error).message }, 'registry request failed; retrying');
          await sleep(backoff, undefined, { signal: req.signal });
          backoff *= 2;
          continue;
        }
        throw networkError(req.method, this.url(req.path), err);
      }
      if ((res.status >= 500 || res.status === 429) && attempt < attempts) {
        res.body.resume();
        this.logger.debug({ url: res.url, status: res.status, attempt }, 'registry answered with an error; retrying');
        await sleep(backoff, undefined, { signal: req.signal });
        backoff *= 2;
        continue;
      }
      return res;
    }
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.endpoint.url}${path}`;
  }

  private async authorizedSend(req: RegistryRequest): Promise<RegistryResponse> {
    const auth = await this.authorization(req.scope, req.signal);
    const res = await this.send(req, auth);
    if (res.status !== 401) return res;
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const chosen = bearer ?? basic;
    if (!chosen || (chosen.scheme === 'basic' && !hasPassword(this.options.credentials))) return res;
    this.challenge = chosen;
    // A token that was refused is dropped (unless a concurrent request already replaced it).
    if (chosen.scheme === 'bearer' && auth) {
      const key = this.tokenKey(req.scope);
      const cached = this.tokens.get(key);
      if (cached && `Bearer ${(await cached.catch(() => undefined))?.token}` === auth) this.tokens.delete(key);
    }
    let retryAuth: string | undefined;
    try {
      retryAuth = await this.authorization(req.scope, req.signal);
    } catch (err) {
      res.body.resume();
      throw err;
    }
    // Answer a challenge once per request: a 401 to the same authorisation is the registry's last word.
    if (!retryAuth || retryAuth === auth) return res;
    res.body.resume();
    return this.send(req, retryAuth);
  }

  private tokenKey(scope: string): string {
    const p = this.challenge?.params ?? {};
    return `${p.realm ?? ''}|${p.service ?? ''}|${scope}`;
  }

  private async authorization(scope: string, signal?: AbortSignal): Promise<string | undefined> {
    const creds = this.options.credentials;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return hasPassword(creds) ? basicAuthorization(creds) : undefined;
    const key = this.tokenKey(scope);
    let pending = this.tokens.get(key);
    const current = pending && (await pending.catch(() => undefined));
    if (!current || current.expiresAt <= Date.now()) {
      if (this.tokens.get(key) === pending) {
        pending = this.fetchToken(scope, signal);
        this.tokens.set(key, pending);
        pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
      } else {
        pending = this.tokens.get(key)!;
      }
    }
    return `Bearer ${(await pending!).token}`;
  }

  /** Asks the challenge's realm for a token for `scope` (GET with basic auth, or POST with a refresh token). */
  private async fetchToken(scope: string, signal?: AbortSignal): Promise<BearerToken> {
    const { realm, service } = this.challenge!.params;
    if (!realm) throw invalidArgument(`${this.endpoint.url} asked for a bearer token but named no realm`);
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw invalidArgument(`${this.endpoint.url} named an invalid token realm ${JSON.stringify(realm)}`);
    }
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') {
      throw invalidArgument(`${this.endpoint.url} named a token realm ${JSON.stringify(realm)} that is not an http(s) URL`);
    }
    this.refuseDowngrade(realmUrl, 'token request');
    const creds = this.options.credentials;
    let res: RegistryResponse;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'ce', scope });
      if (service) form.set('service', service);
      res = await this.send(
        { method: 'POST', path: realmUrl.toString(), scope, signal, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) },
        undefined,
      ).catch((err: unknown) => {
        throw networkError('POST', realmUrl.toString(), err);
      });
    } else {
      if (service) realmUrl.searchParams.set('service', service);
      for (const s of scope.split(' ').filter(Boolean)) realmUrl.searchParams.append('scope', s);
      // The realm is the one place besides the endpoint that sees the credentials (and only on its own origin).
      res = await this.send(
        { method: 'GET', path: realmUrl.toString(), scope, signal },
        hasPassword(creds) ? basicAuthorization(creds) : undefined,
        realmUrl.origin,
      ).catch((err: unknown) => {
        throw networkError('GET', realmUrl.toString(), err);
      });
    }
    const body = await readBody(res.body, 1 << 20, `the answer of token server ${realm}`);
    if (res.status === 401 || res.status === 403) {
      throw new CeError('PermissionDenied', `unauthorized: the token server ${realm} refused the credentials for ${scope}`);
    }
    if (res.status !== 200) throw unavailable(`the token server ${realm} answered ${res.status} for ${scope}`);
    return parseTokenResponse(body, realm);
  }

  /**
   * One HTTP exchange, following redirects (blob GETs often redirect to storage).
   * `authorization` goes only to `authorizedOrigin` (the endpoint's own, or the
   * token realm's for a token fetch): never to an upload location, redirect
   * target or any other host a registry names, on any hop.
   */
  private async send(req: RegistryRequest, authorization: string | undefined, authorizedOrigin = new URL(this.endpoint.url).origin): Promise<RegistryResponse> {
    let url = this.url(req.path);
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      this.refuseDowngrade(target, hop === 0 ? 'request' : 'redirect');
      const res = await this.sendOnce(req, url, target.origin === authorizedOrigin ? authorization : undefined);
      const location = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && location && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect || hop >= MAX_REDIRECTS) return res;
      res.body.resume();
      url = new URL(location, url).toString();
    }
  }

  /** A registry reached over HTTPS may not send us (and our data or tokens) to plain HTTP. */
  private refuseDowngrade(target: URL, what: string): void {
    if (this.endpoint.url.startsWith('https:') && target.protocol !== 'https:') {
      throw invalidArgument(`refusing the ${what} to ${target.toString()}: the registry ${this.endpoint.url} is served over https, but it named a plain ${target.protocol.replace(':', '')} URL`);
    }
  }

  private sendOnce(req: RegistryRequest, url: string, authorization: string | undefined): Promise<RegistryResponse> {
    const u = new URL(url);
    const isHttps = u.protocol === 'https:';
    const ownEndpoint = u.origin === new URL(this.endpoint.url).origin;
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'ce/0.1', ...req.headers };
    if (authorization) headers.authorization = authorization;
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : req.body();
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    else if (body === undefined && (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH')) headers['content-length'] = '0';
    return new Promise((resolve, reject) => {
      const r = (isHttps ? https : http).request(
        u,
        {
          method: req.method,
          headers,
          signal: req.signal,
          // Redirect targets on other hosts (blob storage) use Node's default agent and CAs.
          agent: ownEndpoint ? this.agent : undefined,
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res }),
      );
      r.on('error', reject);
      if (body === undefined) r.end();
      else if (Buffer.isBuffer(body)) r.end(body);
      else {
        body.on('error', (err) => r.destroy(err));
        body.pipe(r);
      }
    });
  }
}

/** The registry's own words for a failed request: `{ "errors": [{ "code", "message", "detail" }] }`. */
export async function registryErrorText(res: RegistryResponse): Promise<string> {
  let body: Buffer;
  try {
    body = await readBody(res.body, MAX_ERROR_BODY, 'error body');
  } catch {
    return `HTTP ${res.status}`;
  }
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    const parts = (doc.errors ?? []).map((e) => [e.code?.toLowerCase().replace(/_/g, ' '), e.message].filter(Boolean).join(': '));
    if (parts.length) return parts.join('; ');
  } catch {
    // not JSON: fall through
  }
  const text = body.toString('utf8').trim().slice(0, 200);
  if (text) return `HTTP ${res.status}: ${text}`;
  // HEAD answers have no body: say what the status means, in the registry's words.
  if (res.status === 401) return 'unauthorized: authentication required';
  if (res.status === 403) return 'denied: requested access to the resource is denied';
  if (res.status === 404) return 'not found';
  return `HTTP ${res.status}`;
}
