// What the embedded DNS server answers to one query (libnetwork's
// resolver.ServeDNS): A, AAAA, MX and PTR of the querier's networks' names
// from the records; anything else forwarded upstream, bounded in time and in
// number; SERVFAIL when nothing can answer.
import type { Answer } from 'dns-packet';
import type { DnsRecords, Querier } from './records.js';
import { decodeQuery, fitResponse, maxResponseSize, reply, RESPONSE_TTL, servfail, type Query } from './messages.js';
import { forwardQuery, type Transport, type Upstream } from './upstream.js';

export interface ResolverPolicy {
  /** The servers a querier's other names go to: its own (from its resolv.conf) or the host's. */
  upstreamsFor(querier: Querier): readonly Upstream[];
  /** The querier set ndots itself (see ContainerResolvConf.ndotsSet). */
  ndotsSet(querier: Querier): boolean;
  /** False on an --internal network: nothing leaves it. */
  forwards(networkId: string): boolean;
}

export interface ResolverLimits {
  /** Per upstream server tried. */
  upstreamTimeoutMs: number;
  /** Queries being forwarded at once, over all networks; past it a query gets SERVFAIL. */
  maxConcurrentForwards: number;
}

export class DnsResolver {
  private forwarding = 0;

  constructor(
    private readonly records: DnsRecords,
    private readonly policy: ResolverPolicy,
    private readonly limits: ResolverLimits,
  ) {}

  /** The reply to a message received on a network's listener, or undefined to send none (not a query). */
  async answer(message: Buffer, networkId: string, source: string, transport: Transport): Promise<Buffer | undefined> {
    const query = decodeQuery(message);
    if (!query) return undefined;
    const querier = this.records.querier(networkId, source);
    const maxSize = maxResponseSize(query, transport);
    const local = this.localAnswer(query, querier);
    if (local) return fitResponse(local, query, maxSize, transport);
    if (!this.policy.forwards(networkId)) return servfail(query);
    const type = query.question.type;
    // With the user's own ndots, a single-label name that is no container's stays unanswered here,
    // so the client goes on with its search domains.
    if ((type === 'A' || type === 'AAAA') && this.policy.ndotsSet(querier) && !query.question.name.replace(/\.$/, '').includes('.')) {
      return reply(query);
    }
    const upstreams = this.policy.upstreamsFor(querier);
    if (upstreams.length === 0 || this.forwarding >= this.limits.maxConcurrentForwards) return servfail(query);
    this.forwarding++;
    let response: Buffer | undefined;
    try {
      response = await forwardQuery(message, upstreams, transport, { timeoutMs: this.limits.upstreamTimeoutMs });
    } finally {
      this.forwarding--;
    }
    return response ? fitResponse(response, query, maxSize, transport) : servfail(query);
  }

  private localAnswer(query: Query, querier: Querier): Buffer | undefined {
    const { name, type } = query.question;
    switch (type) {
      case 'A': {
        const addresses = this.records.resolveName(querier, name);
        if (!addresses) return undefined;
        const answers: Answer[] = shuffled(addresses).map((data) => ({ type: 'A', name, ttl: RESPONSE_TTL, data }));
        return reply(query, answers);
      }
      // A container name has no IPv6 address: an empty answer, not forwarded; MX: "implicit MX" (RFC 5321).
      case 'AAAA':
      case 'MX':
        return this.records.resolveName(querier, name) ? reply(query) : undefined;
      case 'PTR': {
        const target = this.records.resolveAddress(querier, name);
        return target === undefined ? undefined : reply(query, [{ type: 'PTR', name, ttl: RESPONSE_TTL, data: target }]);
      }
      default:
        return undefined;
    }
  }
}

/** libnetwork's default order of several addresses: random. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
