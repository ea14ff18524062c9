// Links over rtnetlink (RTM_NEWLINK/DELLINK/GETLINK/SETLINK, man 7 rtnetlink):
// the requests as bytes, and the link records decoded from the kernel's answers.
import { invalidArgument } from '@ce/protocol/errors';
import type { LinkInfo } from '../link-ops.js';
import { bytesToMac, macToBytes } from './addressing.js';
import { attr, nestedAttr, parseAttributes, readString, readU32, stringAttr, u32Attr, u8Attr } from './attributes.js';
import {
  AF_BRIDGE,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_BRPORT_MODE,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_PROTINFO,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  VETH_INFO_PEER,
} from './constants.js';
import { decodeIfInfo, encodeIfInfo, IFINFOMSG_LEN, type NetlinkMessage } from './messages.js';
import type { NetlinkSocket } from './socket.js';

/** A link as the kernel reports it: its master by index (the caller resolves names). */
export type KernelLink = Omit<LinkInfo, 'master'> & { masterIndex?: number };

const IFNAMSIZ = 16;

/** The kernel's dev_valid_name: 1 to 15 bytes, not "." or "..", no "/", ":" or white space. */
export function checkLinkName(name: string): void {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    Buffer.byteLength(name) >= IFNAMSIZ ||
    name === '.' ||
    name === '..' ||
    /[/:\s]/.test(name)
  ) {
    throw invalidArgument(`invalid link name "${name}": want 1 to ${IFNAMSIZ - 1} characters without "/", ":" or spaces`);
  }
}

function checkMtu(mtu: number | undefined): void {
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)) {
    throw invalidArgument(`invalid MTU ${mtu}: want an integer from 68 to 65535`);
  }
}

// The kernel takes NLA_STRING with or without its NUL; iproute2 sends the
// kind without one, and so does ce, byte for byte.
const kindAttr = (kind: string): Buffer => attr(IFLA_INFO_KIND, Buffer.from(kind, 'utf8'));

/**
 * A bridge; with `mac`, its address is set (NET_ADDR_SET), so the kernel no
 * longer gives it the lowest MAC of its ports, which changes as ports come and
 * go and leaves the containers' ARP entries for the gateway stale.
 */
export function newBridgeRequest(name: string, opts: { mtu?: number; mac?: string } = {}): Buffer[] {
  checkLinkName(name);
  checkMtu(opts.mtu);
  return [
    encodeIfInfo(),
    stringAttr(IFLA_IFNAME, name),
    ...(opts.mtu !== undefined ? [u32Attr(IFLA_MTU, opts.mtu)] : []),
    ...(opts.mac !== undefined ? [attr(IFLA_ADDRESS, macToBytes(opts.mac))] : []),
    nestedAttr(IFLA_LINKINFO, [kindAttr('bridge')]),
  ];
}

export interface VethRequest {
  hostName: string;
  peerName: string;
  /** An open fd of the peer's network namespace (IFLA_NET_NS_FD). */
  peerNetnsFd: number;
  mtu?: number;
  peerMac?: string;
}

/** A veth pair whose peer is created directly in the namespace of peerNetnsFd (VETH_INFO_PEER). */
export function newVethRequest(r: VethRequest): Buffer[] {
  checkLinkName(r.hostName);
  checkLinkName(r.peerName);
  checkMtu(r.mtu);
  const mtu = r.mtu !== undefined ? [u32Attr(IFLA_MTU, r.mtu)] : [];
  const peer = Buffer.concat([
    encodeIfInfo(),
    u32Attr(IFLA_NET_NS_FD, r.peerNetnsFd),
    stringAttr(IFLA_IFNAME, r.peerName),
    ...mtu,
    ...(r.peerMac !== undefined ? [attr(IFLA_ADDRESS, macToBytes(r.peerMac))] : []),
  ]);
  return [
    encodeIfInfo(),
    stringAttr(IFLA_IFNAME, r.hostName),
    ...mtu,
    nestedAttr(IFLA_LINKINFO, [kindAttr('veth'), nestedAttr(IFLA_INFO_DATA, [nestedAttr(VETH_INFO_PEER, [peer])])]),
  ];
}

/** A request about an existing link named `name`, with more attributes. */
export function byNameRequest(name: string, attrs: Buffer[] = [], info: { flags?: number; change?: number } = {}): Buffer[] {
  checkLinkName(name);
  return [encodeIfInfo(info), stringAttr(IFLA_IFNAME, name), ...attrs];
}

export function setMasterRequest(name: string, masterIndex: number): Buffer[] {
  return byNameRequest(name, [u32Attr(IFLA_MASTER, masterIndex)]);
}

export function setUpRequest(name: string, up: boolean): Buffer[] {
  return byNameRequest(name, [], { flags: up ? IFF_UP : 0, change: IFF_UP });
}

/** `bridge link set dev X hairpin on|off`: RTM_SETLINK to the bridge family, IFLA_PROTINFO nested with IFLA_BRPORT_MODE. */
export function setHairpinRequest(index: number, on: boolean): Buffer[] {
  return [encodeIfInfo({ family: AF_BRIDGE, index }), nestedAttr(IFLA_PROTINFO, [u8Attr(IFLA_BRPORT_MODE, on ? 1 : 0)], true)];
}

export function decodeLink(message: NetlinkMessage): KernelLink {
  const info = decodeIfInfo(message.payload);
  const attrs = parseAttributes(message.payload, IFINFOMSG_LEN);
  const linkinfo = attrs.get(IFLA_LINKINFO);
  const kind = linkinfo ? readString(parseAttributes(linkinfo).get(IFLA_INFO_KIND)) : undefined;
  const mac = attrs.get(IFLA_ADDRESS);
  const masterIndex = readU32(attrs.get(IFLA_MASTER));
  return {
    index: info.index,
    name: readString(attrs.get(IFLA_IFNAME)) ?? '',
    kind: kind ?? '',
    mtu: readU32(attrs.get(IFLA_MTU)) ?? 0,
    mac: mac ? bytesToMac(mac) : '',
    up: (info.flags & IFF_UP) !== 0,
    ...(masterIndex ? { masterIndex } : {}),
  };
}

export function createLink(socket: NetlinkSocket, request: Buffer[]): void {
  socket.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, request);
}

export function changeLink(socket: NetlinkSocket, request: Buffer[]): void {
  socket.request(RTM_NEWLINK, 0, request);
}

export function setBridgePort(socket: NetlinkSocket, request: Buffer[]): void {
  socket.request(RTM_SETLINK, 0, request);
}

export function deleteLinkByName(socket: NetlinkSocket, name: string): void {
  socket.request(RTM_DELLINK, 0, byNameRequest(name));
}

/** The link named `name`; throws the kernel's ENODEV when there is none. */
export function getLinkByName(socket: NetlinkSocket, name: string): KernelLink {
  const [reply] = socket.request(RTM_GETLINK, 0, byNameRequest(name));
  if (!reply) throw new Error(`RTM_GETLINK ${name}: the kernel answered without a link`);
  return decodeLink(reply);
}

export function getLinkByIndex(socket: NetlinkSocket, index: number): KernelLink {
  const [reply] = socket.request(RTM_GETLINK, 0, [encodeIfInfo({ index })]);
  if (!reply) throw new Error(`RTM_GETLINK #${index}: the kernel answered without a link`);
  return decodeLink(reply);
}

export function dumpLinks(socket: NetlinkSocket): KernelLink[] {
  return socket
    .dump(RTM_GETLINK, [encodeIfInfo()])
    .filter((m) => m.type === RTM_NEWLINK)
    .map(decodeLink);
}
