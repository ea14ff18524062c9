// The streaming server's one-time tokens, as the kubelet's requestCache: a
// token names one cached request, is consumed by its first use, expires after
// a minute, and at most 1000 wait at once.
import { randomBytes } from 'node:crypto';
import { CeError } from '@ce/protocol';

export const TOKEN_TTL_MS = 60_000;
export const MAX_IN_FLIGHT = 1000;
/** The kubelet's token length: 8 random bytes, URL-safe base64 (11 characters). */
const TOKEN_BYTES = 8;

interface Entry<T> {
  request: T;
  expiresAt: number;
}

export class RequestCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs = TOKEN_TTL_MS,
    private readonly maxInFlight = MAX_IN_FLIGHT,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for `request`; ResourceExhausted when too many wait unused. */
  insert(request: T): string {
    this.evictExpired();
    if (this.entries.size >= this.maxInFlight) throw new CeError('ResourceExhausted', 'maximum number of in-flight requests exceeded');
    let token: string;
    do token = randomBytes(TOKEN_BYTES).toString('base64url');
    while (this.entries.has(token));
    this.entries.set(token, { request, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /** The request of a token, once; undefined for an unknown, used or expired token. */
  consume(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    return entry.expiresAt > this.now() ? entry.request : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [token, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(token);
  }
}
