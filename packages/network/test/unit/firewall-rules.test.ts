import { describe, expect, it } from 'vitest';
import type { FirewallNetwork, PortMapping } from '../../src/firewall.js';
import { baseRules, chainsFor, networkOf, networkRules, parseDnatRule, portMappingRules, type Rule } from '../../src/firewall/rules.js';

const c = chainsFor('CE');
const lines = (rules: Rule[]) => rules.map((r) => `${r.table}: ${r.first ? '-I' : '-A'} ${r.chain} ${r.args}`);

const net: FirewallNetwork = { id: 'n1', bridge: 'br-ce1', subnet: '10.77.1.0/24', internal: false, icc: true, masquerade: true };
const mapping: PortMapping = {
  protocol: 'tcp',
  hostIp: '',
  hostPort: 8080,
  containerIp: '10.77.1.2',
  containerPort: 80,
  bridge: 'br-ce1',
  containerId: 'abc123',
};

describe('the rules of a bridge network (Docker 20.10, userland proxy off)', () => {
  it('jumps from the built-in chains to ce chains only', () => {
    expect(lines(baseRules(c))).toEqual([
      'filter: -I FORWARD -j CE-FORWARD',
      'filter: -I CE-FORWARD -j CE-ISOLATION-1',
      'nat: -A PREROUTING -m addrtype --dst-type LOCAL -j CE',
      'nat: -A OUTPUT -m addrtype --dst-type LOCAL -j CE',
      'nat: -A POSTROUTING -j CE-POSTROUTING',
    ]);
  });

  it('a network: masquerade out, loopback/hairpin masquerade in, forwarding, icc, two-stage isolation', () => {
    expect(lines(networkRules(c, net))).toEqual([
      'nat: -A CE-POSTROUTING -s 10.77.1.0/24 ! -o br-ce1 -j MASQUERADE',
      'nat: -A CE-POSTROUTING -o br-ce1 -m addrtype --src-type LOCAL -j MASQUERADE',
      'filter: -A CE-FORWARD -o br-ce1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      'filter: -A CE-FORWARD -o br-ce1 -j CE',
      'filter: -A CE-FORWARD -i br-ce1 ! -o br-ce1 -j ACCEPT',
      'filter: -A CE-FORWARD -i br-ce1 -o br-ce1 -j ACCEPT',
      'filter: -A CE-ISOLATION-1 -i br-ce1 ! -o br-ce1 -j CE-ISOLATION-2',
      'filter: -A CE-ISOLATION-2 -o br-ce1 -j DROP',
    ]);
  });

  it('icc off drops traffic between the members; no masquerade when it is off', () => {
    const rules = lines(networkRules(c, { ...net, icc: false, masquerade: false }));
    expect(rules).toContain('filter: -A CE-FORWARD -i br-ce1 -o br-ce1 -j DROP');
    expect(rules.some((r) => r.includes('-s 10.77.1.0/24 ! -o br-ce1 -j MASQUERADE'))).toBe(false);
  });

  it('an internal network: nothing in or out but among its members, and no masquerade', () => {
    expect(lines(networkRules(c, { ...net, subnet: '10.77.1.9/24', internal: true }))).toEqual([
      'filter: -A CE-ISOLATION-1 ! -d 10.77.1.0/24 -i br-ce1 -j DROP',
      'filter: -A CE-ISOLATION-1 ! -s 10.77.1.0/24 -o br-ce1 -j DROP',
      'filter: -A CE-FORWARD -i br-ce1 -o br-ce1 -j ACCEPT',
    ]);
  });

  it('refuses what iptables would misread', () => {
    expect(() => chainsFor('a prefix')).toThrow(/invalid chain prefix/);
    expect(() => chainsFor('X'.repeat(17))).toThrow(/at most 16/);
    expect(() => networkRules(c, { ...net, bridge: 'br 1' })).toThrow(/invalid bridge name/);
    expect(() => networkRules(c, { ...net, subnet: 'fd00::/64' })).toThrow(/IPv4 CIDR/);
    expect(() => portMappingRules(c, { ...mapping, hostIp: '::1' })).toThrow(/IPv4 address/);
    expect(() => portMappingRules(c, { ...mapping, hostPort: 0 })).toThrow(/invalid host port 0/);
    expect(networkOf('172.20.3.4/16')).toBe('172.20.0.0/16');
  });
});

describe('the rules of a published port', () => {
  it('DNAT for every local address, forward accept into the bridge, hairpin masquerade', () => {
    expect(lines(portMappingRules(c, mapping))).toEqual([
      'nat: -A CE -p tcp -m tcp --dport 8080 -m comment --comment "ce:abc123:br-ce1" -j DNAT --to-destination 10.77.1.2:80',
      'filter: -A CE -d 10.77.1.2/32 ! -i br-ce1 -o br-ce1 -p tcp -m tcp --dport 80 -j ACCEPT',
      'nat: -A CE-POSTROUTING -s 10.77.1.2/32 -d 10.77.1.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    ]);
  });

  it('a specific host address, udp and sctp', () => {
    expect(lines(portMappingRules(c, { ...mapping, hostIp: '127.0.0.1', protocol: 'udp', hostPort: 5353, containerPort: 53 }))[0]).toBe(
      'nat: -A CE -d 127.0.0.1/32 -p udp -m udp --dport 5353 -m comment --comment "ce:abc123:br-ce1" -j DNAT --to-destination 10.77.1.2:53',
    );
    expect(lines(portMappingRules(c, { ...mapping, protocol: 'sctp' }))[1]).toBe(
      'filter: -A CE -d 10.77.1.2/32 ! -i br-ce1 -o br-ce1 -p sctp -m sctp --dport 80 -j ACCEPT',
    );
  });

  it('reads a mapping back from its DNAT rule', () => {
    for (const m of [mapping, { ...mapping, hostIp: '127.0.0.1', protocol: 'udp' as const }]) {
      expect(parseDnatRule(portMappingRules(c, m)[0]!.args)).toEqual(m);
    }
    expect(parseDnatRule('-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.0.0.1:1')).toBeNull();
  });
});
