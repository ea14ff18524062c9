import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { networkConfigFromFlags, parseAddressPool } from '../../src/network-flags.js';

describe("ced's network flags", () => {
  it('defaults to ce0 on 10.210.0.0/16, apart from Docker, with NAT and forwarding on', () => {
    expect(resolveConfig({}, {}).network).toMatchObject({ bridge: 'ce0', bip: '10.210.0.1/16', iptables: true, ipForward: true, chainPrefix: 'CE', addressPools: [{ base: '10.211.0.0/16', size: 24 }] });
  });
  it("reads dockerd's flags", () => {
    const flags = networkConfigFromFlags({ bridge: 'br-t', bip: '10.99.0.1/24', 'default-address-pool': ['base=10.98.0.0/16,size=26'], iptables: 'false', 'ip-forward': 'false', mtu: '1400', dns: ['10.0.0.53'], 'network-chain-prefix': 'CET1' });
    expect(resolveConfig({ network: flags }, {}).network).toMatchObject({ bridge: 'br-t', bip: '10.99.0.1/24', addressPools: [{ base: '10.98.0.0/16', size: 26 }], iptables: false, ipForward: false, mtu: 1400, dns: ['10.0.0.53'], chainPrefix: 'CET1' });
  });
  it('names the flag and the value it cannot use', () => {
    expect(() => networkConfigFromFlags({ iptables: 'maybe' })).toThrow('--iptables: invalid boolean value "maybe"');
    expect(() => networkConfigFromFlags({ bip: '10.0.0.1' })).toThrow('--bip: "10.0.0.1" is not an IPv4 address with a prefix length');
    expect(() => parseAddressPool('base=10.0.0.0/8')).toThrow('needs size=<prefix length 1-32>');
    expect(() => networkConfigFromFlags({ mtu: '9' })).toThrow('--mtu: invalid MTU "9"');
    expect(() => networkConfigFromFlags({ 'network-chain-prefix': 'A-VERY-LONG-PREFIX' })).toThrow('--network-chain-prefix');
    expect(() => networkConfigFromFlags({ 'cni-bin-dir': ['/usr/lib/cni', 'bin'] })).toThrow('--cni-bin-dir: "bin" is not an absolute path');
  });
  it('reads where CNI configurations and plugins are (unset: the manager uses Debian\'s /etc/cni/net.d and /usr/lib/cni)', () => {
    expect(resolveConfig({}, {}).network.cniConfigDir).toBeUndefined();
    const flags = networkConfigFromFlags({ 'cni-config-dir': '/etc/ce/cni', 'cni-bin-dir': ['/opt/a', '/opt/b'] });
    expect(resolveConfig({ network: flags }, {}).network).toMatchObject({ cniConfigDir: '/etc/ce/cni', cniBinDirs: ['/opt/a', '/opt/b'] });
  });
});
