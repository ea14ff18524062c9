// Go's net.ParseIP and net.ParseCIDR, as docker's CLI uses them to check
// addresses and subnets before it sends them: an IPv4 or IPv6 address as a
// 128-bit number (IPv4 in its v4-mapped form), and Go's error words.

export interface IpAddress {
  /** 4 or 6: the form it was written in. */
  family: 4 | 6;
  /** The address in 128 bits, IPv4 as ::ffff:a.b.c.d (as Go keeps it). */
  value: bigint;
}

export interface IpNetwork {
  /** The address as written, host bits kept (Go's ParseCIDR returns it beside the network). */
  ip: IpAddress;
  /** The network: the address with its host bits cleared. */
  base: bigint;
  /** Prefix length in the 128-bit form. */
  bits: number;
}

const V4_MAPPED = 0xffffn << 32n;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Go refuses leading zeros (they would read as octal elsewhere).
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let groups: string[];
  let tail = text;
  let embedded: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    embedded = parseIpv4(text.slice(lastColon + 1));
    if (embedded === undefined) return undefined;
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  if (halves.length === 2) {
    const head = split(halves[0]!);
    const rest = split(halves[1]!);
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return undefined;
    groups = [...head, ...Array<string>(missing).fill('0'), ...rest];
  } else {
    groups = split(tail);
  }
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (embedded !== undefined) value = (value & ~0xffffffffn) | embedded;
  return value;
}

/** net.ParseIP: undefined when text is not an address. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value: V4_MAPPED | value };
}

/** net.ParseCIDR; throws Go's `invalid CIDR address: x`. */
export function parseCidr(text: string): IpNetwork {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? undefined : parseIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  const max = ip?.family === 4 ? 32 : 128;
  if (!ip || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) throw new Error(`invalid CIDR address: ${text}`);
  const bits = Number(prefix) + (ip.family === 4 ? 96 : 0);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return { ip, base: ip.value & mask, bits };
}

/** IPNet.Contains: an IPv4 network holds only IPv4 addresses, in Go's 16-byte form the same rule falls out of the mapped prefix. */
export function networkContains(net: IpNetwork, ip: IpAddress | undefined): boolean {
  if (!ip) return false;
  const mask = net.bits === 0 ? 0n : ((1n << BigInt(net.bits)) - 1n) << BigInt(128 - net.bits);
  if ((net.ip.family === 4) !== (ip.family === 4)) return false;
  return (ip.value & mask) === net.base;
}
