// IPv4 addresses as unsigned 32-bit numbers, and CIDR subnets over them.
import { invalidArgument } from '@ce/protocol/errors';

export interface Ipv4Subnet {
  /** The network address (host bits zero). */
  base: number;
  prefixLen: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  if (bytes.some((b, i) => b > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined;
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** An address, or InvalidArgument naming `what` (e.g. "gateway"). */
export function ipv4OrThrow(text: string, what: string): number {
  const ip = parseIpv4(text);
  if (ip === undefined) throw invalidArgument(`invalid ${what} address: ${text}`);
  return ip;
}

export function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function netmask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** Parses an IPv4 CIDR, refusing host bits as Docker 25 does (`10.1.0.5/24`: "it should be 10.1.0.0/24"). */
export function parseCidr(text: string, what: string): Ipv4Subnet {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? undefined : parseIpv4(text.slice(0, slash));
  const lenText = slash < 0 ? '' : text.slice(slash + 1);
  const prefixLen = /^\d{1,2}$/.test(lenText) ? Number(lenText) : NaN;
  if (ip === undefined || !(prefixLen >= 0 && prefixLen <= 32)) throw invalidArgument(`invalid ${what} ${text}: it is not an IPv4 CIDR`);
  const base = (ip & netmask(prefixLen)) >>> 0;
  if (base !== ip) throw invalidArgument(`invalid ${what} ${text}: it should be ${formatCidr({ base, prefixLen })}`);
  return { base, prefixLen };
}

/** The subnet of an address with a prefix length (dockerd's --bip 10.210.0.1/16 is the subnet 10.210.0.0/16). */
export function parseCidrLoose(text: string, what: string): Ipv4Subnet {
  const [address = '', prefix = ''] = text.split('/');
  const ip = parseIpv4(address);
  if (ip === undefined || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) throw invalidArgument(`invalid ${what} ${text}: it is not an IPv4 address with a prefix length`);
  const prefixLen = Number(prefix);
  return parseCidr(`${formatIpv4((ip & netmask(prefixLen)) >>> 0)}/${prefixLen}`, what);
}

export function formatCidr(subnet: Ipv4Subnet): string {
  return `${formatIpv4(subnet.base)}/${subnet.prefixLen}`;
}

export function size(subnet: Ipv4Subnet): number {
  return 2 ** (32 - subnet.prefixLen);
}

export function lastAddress(subnet: Ipv4Subnet): number {
  return subnet.base + size(subnet) - 1;
}

export function contains(subnet: Ipv4Subnet, ip: number): boolean {
  return ip >= subnet.base && ip <= lastAddress(subnet);
}

export function overlaps(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/** `inner` lies wholly inside `outer`. */
export function within(inner: Ipv4Subnet, outer: Ipv4Subnet): boolean {
  return contains(outer, inner.base) && contains(outer, lastAddress(inner));
}
