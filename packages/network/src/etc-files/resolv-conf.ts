// A container's /etc/resolv.conf as Docker 20.10 makes it (libnetwork's
// sandbox setupDNS, updateDNS and rebuildDNS, in that order), and the
// upstream servers its embedded DNS server then forwards to.
import { invalidArgument } from '@ce/protocol/errors';
import {
  filterResolvConf,
  formatResolvConf,
  resolvNameservers,
  resolvOptions,
  resolvSearchDomains,
} from './resolv-conf-parse.js';

export interface ResolvConfInput {
  /** The host's resolv.conf (see readHostResolvConf); undefined when the host has none. */
  hostResolvConf: string | undefined;
  /** --network host: the host's file as it is, unless --dns* options are given. */
  hostNetwork?: boolean;
  /**
   * The embedded DNS servers the container queries (decision 0037: the
   * gateways of its user-defined networks), first network first; empty on
   * the default bridge and on --network none.
   */
  embeddedDns?: readonly string[];
  /** EnableIPv6 of the network joined: without it the IPv6 nameservers are dropped. */
  ipv6Enabled?: boolean;
  /** HostConfig.Dns (or the daemon's --dns when the container has none). */
  dns?: readonly string[];
  /** HostConfig.DnsSearch (or the daemon's --dns-search). */
  dnsSearch?: readonly string[];
  /** HostConfig.DnsOptions (or the daemon's --dns-opt). */
  dnsOptions?: readonly string[];
}

export interface ContainerResolvConf {
  /** The file's text. */
  content: string;
  /**
   * Where the embedded DNS server sends this container's other names: the
   * IPv4 nameservers of the host's file before filtering (so a host-local
   * 127.0.0.53 is used, from ced's namespace) or of --dns.
   */
  upstreams: string[];
  /** The container set ndots itself: a single-label name that is no container's is answered empty, not forwarded. */
  ndotsSet: boolean;
}

/** The embedded server's own option, added unless the user set ndots. */
const EMBEDDED_DNS_OPTION = 'ndots:0';

export function containerResolvConf(input: ResolvConfInput): ContainerResolvConf {
  const host = input.hostResolvConf ?? '';
  const dns = input.dns ?? [];
  const dnsSearch = input.dnsSearch ?? [];
  const dnsOptions = input.dnsOptions ?? [];
  const userSet = dns.length > 0 || dnsSearch.length > 0 || dnsOptions.length > 0;

  if (input.hostNetwork && !userSet) return { content: host, upstreams: [], ndotsSet: false };

  let content: string;
  let upstreams: string[];
  if (userSet) {
    // Each option replaces the host's line of its kind; the host's nameservers are kept unfiltered.
    content = formatResolvConf(
      dns.length > 0 ? dns : resolvNameservers(host),
      dnsSearch.length > 0 ? dnsSearch : resolvSearchDomains(host),
      dnsOptions.length > 0 ? dnsOptions : resolvOptions(host),
    );
    upstreams = resolvNameservers(content, 'ipv4');
  } else {
    upstreams = resolvNameservers(host, 'ipv4');
    // setupDNS filters as if IPv6 were on; joining the network filters again with its own setting.
    content = filterResolvConf(host, true);
    if (!input.hostNetwork) content = filterResolvConf(content, input.ipv6Enabled ?? false);
  }

  const embedded = input.embeddedDns ?? [];
  if (input.hostNetwork || embedded.length === 0) return { content, upstreams, ndotsSet: false };

  if (upstreams.length === 0) upstreams = resolvNameservers(content, 'ipv4');
  const options = resolvOptions(content);
  const ndotsSet = userNdots(options);
  return {
    content: formatResolvConf(
      [...embedded, ...resolvNameservers(content, 'ipv6')],
      resolvSearchDomains(content),
      ndotsSet ? options : [...options, EMBEDDED_DNS_OPTION],
    ),
    upstreams,
    ndotsSet,
  };
}

/** Whether the options set ndots, refusing a malformed one as libnetwork does. */
function userNdots(options: readonly string[]): boolean {
  for (const option of options) {
    if (!option.includes('ndots')) continue;
    const parts = option.split(':');
    if (parts.length !== 2) throw invalidArgument(`invalid ndots option ${option}`);
    if (!/^[+-]?\d+$/.test(parts[1]!)) throw invalidArgument(`invalid number for ndots option: ${parts[1]}`);
    const n = Number(parts[1]);
    if (n < 0) throw invalidArgument(`invalid number for ndots option: ${n}`);
    return true;
  }
  return false;
}
