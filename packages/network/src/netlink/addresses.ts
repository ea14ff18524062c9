// IPv4 addresses over rtnetlink (RTM_NEWADDR/GETADDR with struct ifaddrmsg).
import { bytesToIpv4, ipv4Broadcast, type Ipv4Cidr } from './addressing.js';
import { attr, parseAttributes } from './attributes.js';
import {
  AF_INET,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_LOCAL,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RT_SCOPE_UNIVERSE,
  RTM_GETADDR,
  RTM_NEWADDR,
} from './constants.js';
import { decodeIfAddr, encodeIfAddr, IFADDRMSG_LEN } from './messages.js';
import type { NetlinkSocket } from './socket.js';

/**
 * As `ip addr add <cidr> brd + dev <index>`: the local and peer address are
 * the same, with the subnet's broadcast address below /31 (Docker's bridge
 * shows `brd` too).
 */
export function newAddressRequest(index: number, cidr: Ipv4Cidr): Buffer[] {
  return [
    encodeIfAddr({ family: AF_INET, prefixlen: cidr.prefixLength, scope: RT_SCOPE_UNIVERSE, index }),
    attr(IFA_LOCAL, cidr.address),
    attr(IFA_ADDRESS, cidr.address),
    ...(cidr.prefixLength < 31 ? [attr(IFA_BROADCAST, ipv4Broadcast(cidr))] : []),
  ];
}

export function addAddress(socket: NetlinkSocket, index: number, cidr: Ipv4Cidr): void {
  socket.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, newAddressRequest(index, cidr));
}

/** The IPv4 addresses of the link with `index`, as CIDRs ("10.0.0.2/24"). */
export function listAddresses(socket: NetlinkSocket, index: number): string[] {
  const out: string[] = [];
  for (const m of socket.dump(RTM_GETADDR, [encodeIfAddr({ family: AF_INET })])) {
    if (m.type !== RTM_NEWADDR) continue;
    const a = decodeIfAddr(m.payload);
    if (a.family !== AF_INET || a.index !== index) continue;
    const attrs = parseAttributes(m.payload, IFADDRMSG_LEN);
    const local = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
    if (local) out.push(`${bytesToIpv4(local)}/${a.prefixlen}`);
  }
  return out;
}
