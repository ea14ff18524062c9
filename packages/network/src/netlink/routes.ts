// IPv4 routes of the main table over rtnetlink (RTM_NEWROUTE/GETROUTE with struct rtmsg).
import { bytesToIpv4, type Ipv4Cidr } from './addressing.js';
import { attr, parseAttributes, readU32, u32Attr } from './attributes.js';
import {
  AF_INET,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTA_DST,
  RTA_GATEWAY,
  RTA_OIF,
  RTA_TABLE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTPROT_BOOT,
} from './constants.js';
import { decodeRtMsg, encodeRtMsg, RTMSG_LEN } from './messages.js';
import type { NetlinkSocket } from './socket.js';

export interface KernelRoute {
  /** null for the default route. */
  dst: Ipv4Cidr | null;
  gateway?: Buffer;
  oif?: number;
}

/**
 * As `ip route add`: protocol boot, the main table, unicast; scope universe
 * through a gateway, link for a route straight onto a device.
 */
export function newRouteRequest(route: KernelRoute): Buffer[] {
  return [
    encodeRtMsg({
      family: AF_INET,
      dstLen: route.dst?.prefixLength ?? 0,
      table: RT_TABLE_MAIN,
      protocol: RTPROT_BOOT,
      scope: route.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
      type: RTN_UNICAST,
    }),
    ...(route.dst && route.dst.prefixLength > 0 ? [attr(RTA_DST, route.dst.address)] : []),
    ...(route.gateway ? [attr(RTA_GATEWAY, route.gateway)] : []),
    ...(route.oif !== undefined ? [u32Attr(RTA_OIF, route.oif)] : []),
  ];
}

export function addRoute(socket: NetlinkSocket, route: KernelRoute): void {
  socket.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, newRouteRequest(route));
}

/** The unicast IPv4 routes of the main table. */
export function dumpRoutes(socket: NetlinkSocket): KernelRoute[] {
  const out: KernelRoute[] = [];
  for (const m of socket.dump(RTM_GETROUTE, [encodeRtMsg({ family: AF_INET })])) {
    if (m.type !== RTM_NEWROUTE) continue;
    const r = decodeRtMsg(m.payload);
    const attrs = parseAttributes(m.payload, RTMSG_LEN);
    const table = readU32(attrs.get(RTA_TABLE)) ?? r.table;
    if (r.family !== AF_INET || table !== RT_TABLE_MAIN || r.type !== RTN_UNICAST) continue;
    const dst = attrs.get(RTA_DST);
    const gateway = attrs.get(RTA_GATEWAY);
    const oif = readU32(attrs.get(RTA_OIF));
    out.push({
      dst: r.dstLen === 0 ? null : { address: dst ? Buffer.from(dst) : Buffer.alloc(4), prefixLength: r.dstLen },
      ...(gateway ? { gateway: Buffer.from(gateway) } : {}),
      ...(oif !== undefined ? { oif } : {}),
    });
  }
  return out;
}

export function routeDstText(dst: Ipv4Cidr | null): string {
  return dst ? `${bytesToIpv4(dst.address)}/${dst.prefixLength}` : 'default';
}
