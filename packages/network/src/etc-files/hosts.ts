// A container's /etc/hosts as Docker 20.10 writes it (libnetwork's etchosts
// package and sandbox_dns_unix.go): one "IP<TAB>names" line per record, the
// fixed localhost block first, then --add-host and --link entries, then one
// line per network address of the container with its hostname.

/** One line of a hosts file: an address and the names (space-separated) it answers to. */
export interface HostsRecord {
  ip: string;
  names: string;
}

const DEFAULT_RECORDS: readonly HostsRecord[] = [
  { ip: '127.0.0.1', names: 'localhost' },
  { ip: '::1', names: 'localhost ip6-localhost ip6-loopback' },
  { ip: 'fe00::0', names: 'ip6-localnet' },
  { ip: 'ff00::0', names: 'ip6-mcastprefix' },
  { ip: 'ff02::1', names: 'ip6-allnodes' },
  { ip: 'ff02::2', names: 'ip6-allrouters' },
];

export interface HostsFileInput {
  /** Config.Hostname */
  hostname: string;
  /** Config.Domainname */
  domainname?: string;
  /** The container's address on each network it joined, in join order; none for --network none. */
  addresses: readonly string[];
  /** --add-host entries (host-gateway already replaced), then the --link entries of the default bridge. */
  extraHosts?: readonly HostsRecord[];
}

export function formatHostsRecords(records: readonly HostsRecord[]): string {
  return records.map((r) => `${r.ip}\t${r.names}\n`).join('');
}

/**
 * The names of the container's own line: the FQDN and the bare hostname when
 * the hostname (with the domain name) has a dot, else the hostname alone.
 */
export function ownHostNames(hostname: string, domainname = ''): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return dot === -1 ? hostname : `${fqdn} ${fqdn.slice(0, dot)}`;
}

/** The file of a container with its own network namespace (bridge, user-defined or none). */
export function buildHostsFile(input: HostsFileInput): string {
  const names = ownHostNames(input.hostname, input.domainname);
  return formatHostsRecords([
    ...DEFAULT_RECORDS,
    ...(input.extraHosts ?? []),
    ...input.addresses.map((ip) => ({ ip, names })),
  ]);
}

/**
 * The file of a --network host container: the host's own file as it is, or,
 * with --add-host, the localhost block and the extra entries (the host's file
 * is not read then, as in Docker).
 */
export function buildHostNetworkHostsFile(hostEtcHosts: string | undefined, extraHosts: readonly HostsRecord[] = []): string {
  if (extraHosts.length === 0) return hostEtcHosts ?? '';
  return formatHostsRecords([...DEFAULT_RECORDS, ...extraHosts]);
}
