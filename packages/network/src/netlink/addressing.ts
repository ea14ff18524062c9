// Text forms of what links carry: MAC addresses, IPv4 addresses and CIDRs.
import { randomBytes } from 'node:crypto';
import { invalidArgument } from '@ce/protocol/errors';

export function macToBytes(mac: string): Buffer {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw invalidArgument(`invalid MAC address "${mac}": want aa:bb:cc:dd:ee:ff`);
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/**
 * A random unicast, locally administered MAC address (libnetwork's
 * GenerateRandomMAC): what a bridge is given so that it keeps one address.
 */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return bytesToMac(bytes);
}

export function bytesToMac(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function ipv4ToBytes(ip: string): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) {
    throw invalidArgument(`invalid IPv4 address "${ip}"`);
  }
  return Buffer.from(parts.map(Number));
}

export function bytesToIpv4(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 4)].join('.');
}

export interface Ipv4Cidr {
  address: Buffer;
  prefixLength: number;
}

/** "10.0.0.2/24"; the address keeps its host bits (an interface address, not a network). */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const slash = cidr.indexOf('/');
  const prefix = slash < 0 ? '' : cidr.slice(slash + 1);
  if (!/^([0-9]|[12][0-9]|3[0-2])$/.test(prefix)) throw invalidArgument(`invalid IPv4 CIDR "${cidr}": want a.b.c.d/n with n from 0 to 32`);
  return { address: ipv4ToBytes(cidr.slice(0, slash)), prefixLength: Number(prefix) };
}

/** The broadcast address of address/prefixLength. */
export function ipv4Broadcast({ address, prefixLength }: Ipv4Cidr): Buffer {
  const host = prefixLength === 0 ? 0xffffffff : (0xffffffff >>> prefixLength) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((address.readUInt32BE(0) | host) >>> 0);
  return out;
}
