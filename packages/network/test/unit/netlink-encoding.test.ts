// rtnetlink requests byte for byte against what iproute2 sends for the same
// command (captured with `strace -xx -e trace=sendmsg ip ...`), and the
// decoding of the kernel's answers.
import { describe, expect, it } from 'vitest';
import { isCeError } from '@ce/protocol/errors';
import { ipv4Broadcast, macToBytes, parseIpv4Cidr, randomMac } from '../../src/netlink/addressing.js';
import { attr, parseAttributes, stringAttr, u32Attr } from '../../src/netlink/attributes.js';
import { newAddressRequest } from '../../src/netlink/addresses.js';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_SETLINK } from '../../src/netlink/constants.js';
import { checkLinkName, decodeLink, newBridgeRequest, newVethRequest, setHairpinRequest, setUpRequest } from '../../src/netlink/links.js';
import { decodeMessages, encodeIfInfo, encodeMessage } from '../../src/netlink/messages.js';
import { newRouteRequest } from '../../src/netlink/routes.js';

const hex = (s: string) => Buffer.from(s.replace(/\\x/g, ''), 'hex');
const CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

function header(len: number, type: number, flags: number, seq: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(len, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq, 8);
  return h;
}

describe('rtnetlink requests', () => {
  it('creates a bridge as `ip link add cenlbr0 type bridge`', () => {
    const body = hex(
      '\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x0c\\x00\\x03\\x00\\x63\\x65\\x6e\\x6c\\x62\\x72\\x30\\x00\\x10\\x00\\x12\\x00\\x0a\\x00\\x01\\x00\\x62\\x72\\x69\\x64\\x67\\x65\\x00\\x00',
    );
    const sent = encodeMessage(RTM_NEWLINK, CREATE, 1796597486, newBridgeRequest('cenlbr0'));
    expect(sent).toEqual(Buffer.concat([header(60, 0x10, 0x605, 1796597486), body]));
  });

  it("gives a bridge its own MAC address (IFLA_ADDRESS), as `ip link add cenlbr0 address … type bridge`", () => {
    const top = parseAttributes(Buffer.concat(newBridgeRequest('cenlbr0', { mac: '02:5e:00:00:00:01' }).slice(1)));
    expect(top.get(1)).toEqual(macToBytes('02:5e:00:00:00:01'));
  });

  it('makes random MAC addresses that are unicast and locally administered', () => {
    for (let i = 0; i < 32; i++) {
      const first = macToBytes(randomMac())[0]!;
      expect(first & 0x01).toBe(0);
      expect(first & 0x02).toBe(2);
    }
  });

  it('creates a veth pair with the peer in another namespace as `ip link add cenlv0 type veth peer name eth0 netns X`', () => {
    const body = hex(
      '\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x0b\\x00\\x03\\x00\\x63\\x65\\x6e\\x6c\\x76\\x30\\x00\\x00\\x38\\x00\\x12\\x00\\x08\\x00\\x01\\x00\\x76\\x65\\x74\\x68\\x2c\\x00\\x02\\x00\\x28\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x08\\x00\\x1c\\x00\\x04\\x00\\x00\\x00\\x09\\x00\\x03\\x00\\x65\\x74\\x68\\x30\\x00\\x00\\x00\\x00',
    );
    const sent = encodeMessage(RTM_NEWLINK, CREATE, 7, newVethRequest({ hostName: 'cenlv0', peerName: 'eth0', peerNetnsFd: 4 }));
    expect(sent).toEqual(Buffer.concat([header(100, 0x10, 0x605, 7), body]));
  });

  it('puts the MTU on both ends and the MAC on the peer', () => {
    const parts = newVethRequest({ hostName: 'v', peerName: 'eth0', peerNetnsFd: 9, mtu: 1450, peerMac: '02:42:ac:11:00:02' });
    const top = parseAttributes(Buffer.concat(parts.slice(1)));
    expect(top.get(4)!.readUInt32LE(0)).toBe(1450);
    const info = parseAttributes(top.get(18)!);
    const peer = parseAttributes(info.get(2)!).get(1)!;
    const peerAttrs = parseAttributes(peer, 16);
    expect(peerAttrs.get(4)!.readUInt32LE(0)).toBe(1450);
    expect(peerAttrs.get(1)).toEqual(macToBytes('02:42:ac:11:00:02'));
    expect(peerAttrs.get(28)!.readUInt32LE(0)).toBe(9);
  });

  it('sets hairpin as `bridge link set dev <#3> hairpin on` (IFLA_PROTINFO flagged nested)', () => {
    const body = hex('\\x07\\x00\\x00\\x00\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x0c\\x00\\x0c\\x80\\x05\\x00\\x04\\x00\\x01\\x00\\x00\\x00');
    expect(encodeMessage(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 3, setHairpinRequest(3, true))).toEqual(Buffer.concat([header(44, 0x13, 5, 3), body]));
  });

  it('adds an address as `ip addr add 10.9.0.1/24 brd + dev <#2>`', () => {
    const body = hex('\\x02\\x18\\x00\\x00\\x02\\x00\\x00\\x00\\x08\\x00\\x02\\x00\\x0a\\x09\\x00\\x01\\x08\\x00\\x01\\x00\\x0a\\x09\\x00\\x01\\x08\\x00\\x04\\x00\\x0a\\x09\\x00\\xff');
    expect(encodeMessage(RTM_NEWADDR, CREATE, 1, newAddressRequest(2, parseIpv4Cidr('10.9.0.1/24')))).toEqual(Buffer.concat([header(48, 0x14, 0x605, 1), body]));
  });

  it('adds a default route as `ip route add default via 10.9.0.1`', () => {
    const body = hex('\\x02\\x00\\x00\\x00\\xfe\\x03\\x00\\x01\\x00\\x00\\x00\\x00\\x08\\x00\\x05\\x00\\x0a\\x09\\x00\\x01');
    const sent = encodeMessage(RTM_NEWROUTE, CREATE, 5, newRouteRequest({ dst: null, gateway: parseIpv4Cidr('10.9.0.1/32').address }));
    expect(sent).toEqual(Buffer.concat([header(36, 0x18, 0x605, 5), body]));
  });

  it('brings a link up by name with IFF_UP in flags and change', () => {
    const [info] = setUpRequest('eth0', true);
    expect(info!.readUInt32LE(8)).toBe(1);
    expect(info!.readUInt32LE(12)).toBe(1);
    const [down] = setUpRequest('eth0', false);
    expect(down!.readUInt32LE(8)).toBe(0);
    expect(down!.readUInt32LE(12)).toBe(1);
  });
});

describe('decoding', () => {
  it('splits a datagram into aligned messages and decodes a link', () => {
    const linkinfo = attr(18, stringAttr(1, 'bridge'));
    const payload = Buffer.concat([
      encodeIfInfo({ index: 5, flags: 0x1003 }),
      stringAttr(3, 'br-x'),
      u32Attr(4, 1500),
      attr(1, macToBytes('02:42:0a:00:00:01')),
      u32Attr(10, 7),
      linkinfo,
    ]);
    const one = encodeMessage(RTM_NEWLINK, 2, 9, [payload]);
    const [m1, m2] = decodeMessages(Buffer.concat([one, one]));
    expect(m2).toBeDefined();
    expect(decodeLink(m1!)).toEqual({ index: 5, name: 'br-x', kind: 'bridge', mtu: 1500, mac: '02:42:0a:00:00:01', up: true, masterIndex: 7 });
  });

  it('refuses a message whose length runs past the datagram', () => {
    const m = encodeMessage(RTM_NEWLINK, 0, 1, [Buffer.alloc(16)]);
    expect(() => decodeMessages(m.subarray(0, 20))).toThrow(/malformed netlink message/);
  });
});

describe('names and addresses', () => {
  it('accepts the kernel’s link names and refuses others', () => {
    expect(() => checkLinkName('veth1234567890a')).not.toThrow();
    for (const bad of ['', 'a'.repeat(16), 'a/b', 'a b', 'eth0:1', '..']) {
      let caught: unknown;
      try {
        checkLinkName(bad);
      } catch (err) {
        caught = err;
      }
      expect(isCeError(caught, 'InvalidArgument'), bad).toBe(true);
    }
  });

  it('parses CIDRs and computes the broadcast address', () => {
    expect(ipv4Broadcast(parseIpv4Cidr('172.17.0.1/16'))).toEqual(Buffer.from([172, 17, 255, 255]));
    expect(ipv4Broadcast(parseIpv4Cidr('10.0.0.1/0'))).toEqual(Buffer.from([255, 255, 255, 255]));
    expect(() => parseIpv4Cidr('10.0.0.1')).toThrow(/invalid IPv4 CIDR/);
    expect(() => parseIpv4Cidr('10.0.0.256/24')).toThrow(/invalid IPv4 address/);
    expect(() => macToBytes('02:42')).toThrow(/invalid MAC/);
  });
});
