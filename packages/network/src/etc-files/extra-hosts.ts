// The extra lines of /etc/hosts: --add-host (HostConfig.ExtraHosts) and the
// legacy --link entries of the default bridge, as Docker 20.10's daemon turns
// them into libnetwork's extra hosts.
import { isIP } from 'node:net';
import { invalidArgument } from '@ce/protocol/errors';
import type { HostsRecord } from './hosts.js';

/** The special address of `--add-host name:host-gateway`. */
export const HOST_GATEWAY = 'host-gateway';

/**
 * One `name:ip` entry of HostConfig.ExtraHosts (split on the first colon, so
 * IPv6 addresses pass). `host-gateway` becomes `hostGatewayIp` (dockerd's
 * --host-gateway-ip, by default the default bridge's gateway).
 */
export function parseExtraHost(entry: string, hostGatewayIp?: string): HostsRecord {
  const colon = entry.indexOf(':');
  if (colon <= 0) throw invalidArgument(`bad format for add-host: "${entry}"`);
  const names = entry.slice(0, colon);
  const ip = entry.slice(colon + 1);
  if (ip === HOST_GATEWAY) {
    if (!hostGatewayIp) throw invalidArgument('unable to derive the IP value for host-gateway');
    return { ip: hostGatewayIp, names };
  }
  if (isIP(ip.trim()) === 0) throw invalidArgument(`invalid IP address in add-host: "${ip}"`);
  return { ip, names };
}

export function parseExtraHosts(entries: readonly string[] | null | undefined, hostGatewayIp?: string): HostsRecord[] {
  return (entries ?? []).map((e) => parseExtraHost(e, hostGatewayIp));
}

/** A container linked with `--link name:alias` on the default bridge. */
export interface LinkedContainer {
  /** The alias the link gives (the last part of `/parent/alias`). */
  alias: string;
  /** The linked container's name, without Docker's leading slash. */
  name: string;
  /** Its Config.Hostname. */
  hostname: string;
  /** Its addresses on the default bridge; an empty one is skipped. */
  ipv4?: string;
  ipv6?: string;
}

/** The hosts lines of the links: the alias, the linked container's hostname, and its name when the alias differs. */
export function linkHostsRecords(links: readonly LinkedContainer[]): HostsRecord[] {
  const records: HostsRecord[] = [];
  for (const link of links) {
    const names = link.alias === link.name ? `${link.alias} ${link.hostname}` : `${link.alias} ${link.hostname} ${link.name}`;
    if (link.ipv4) records.push({ ip: link.ipv4, names });
    if (link.ipv6) records.push({ ip: link.ipv6, names });
  }
  return records;
}
