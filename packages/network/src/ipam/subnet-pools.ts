// Subnets for networks created without --subnet, as dockerd's
// default-address-pools: each pool is a base split into subnets of one size,
// handed out in order, skipping any that overlaps a subnet in use (another
// network's, or a route of the host: the LAN, a VPN, Docker's own bridges).
import { CeError, invalidArgument } from '@ce/protocol/errors';
import { formatCidr, overlaps, parseCidr, size, type Ipv4Subnet } from './ipv4.js';

export interface AddressPool {
  /** CIDR, e.g. 10.211.0.0/16. */
  base: string;
  /** Prefix length of each subnet cut from it, e.g. 24. */
  size: number;
}

/** User networks: 10.211.0.0/16 in /24s (256 networks of 253 containers), beside the default bridge's 10.210.0.0/16. */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [{ base: '10.211.0.0/16', size: 24 }];

export function validateAddressPools(pools: readonly AddressPool[]): void {
  for (const pool of pools) {
    const base = parseCidr(pool.base, 'address pool base');
    if (!Number.isInteger(pool.size) || pool.size < base.prefixLen || pool.size > 30) {
      throw invalidArgument(`invalid address pool ${pool.base}: size /${pool.size} must be between /${base.prefixLen} and /30`);
    }
  }
}

/** The first subnet of the pools that overlaps nothing in `inUse`. */
export function pickSubnet(pools: readonly AddressPool[], inUse: readonly Ipv4Subnet[]): string {
  for (const pool of pools) {
    const base = parseCidr(pool.base, 'address pool base');
    const step = 2 ** (32 - pool.size);
    for (let offset = 0; offset < size(base); offset += step) {
      const candidate: Ipv4Subnet = { base: base.base + offset, prefixLen: pool.size };
      if (!inUse.some((used) => overlaps(used, candidate))) return formatCidr(candidate);
    }
  }
  throw new CeError('ResourceExhausted', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}
