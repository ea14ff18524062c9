// ce network create's flags, checked as docker 20.10.24's CLI checks them
// (the messages are the ones it printed for the same flags).
import { describe, expect, it } from 'vitest';
import { consolidateIpam, networkCreateRequest, type NetworkCreateFlags } from '../../src/network-create-request.js';

const defaults: NetworkCreateFlags = { driver: 'bridge', subnet: [], gateway: [], ipRange: [], auxAddress: [], ipamDriver: 'default', ipamOpt: [], opt: [], label: [] };

describe('network create request', () => {
  it('carries every flag as Docker sends it', () => {
    const req = networkCreateRequest('n1', {
      ...defaults,
      subnet: ['10.213.7.0/24'],
      gateway: ['10.213.7.1'],
      ipRange: ['10.213.7.128/25'],
      auxAddress: ['a=10.213.7.5'],
      opt: ['com.docker.network.bridge.name=br1'],
      label: ['x=1', 'y'],
      internal: true,
      attachable: true,
      ipv6: true,
      ipamOpt: ['o=1'],
    });
    expect(req).toEqual({
      name: 'n1',
      driver: 'bridge',
      internal: true,
      attachable: true,
      enableIpv6: true,
      ipamDriver: 'default',
      ipamConfig: [{ subnet: '10.213.7.0/24', ipRange: '10.213.7.128/25', gateway: '10.213.7.1', auxiliaryAddresses: { a: '10.213.7.5' } }],
      ipamOptions: { o: '1' },
      options: { 'com.docker.network.bridge.name': 'br1' },
      labels: { x: '1', y: '' },
    });
  });

  it('takes comma-separated lists and pairs each gateway with its subnet', () => {
    const req = networkCreateRequest('n', { ...defaults, subnet: ['10.1.0.0/24,fd00::/64'], gateway: ['fd00::1', '10.1.0.254'] });
    expect(req.ipamConfig.map((c) => [c.subnet, c.gateway])).toEqual([
      ['10.1.0.0/24', '10.1.0.254'],
      ['fd00::/64', 'fd00::1'],
    ]);
  });

  it("refuses what docker's CLI refuses, in its words", () => {
    const fails = (subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string> = {}) => () => consolidateIpam(subnets, ranges, gateways, aux);
    expect(fails([], [], ['10.0.0.1'])).toThrow('every ip-range or gateway must have a corresponding subnet');
    expect(fails([], ['10.214.0.0/24'], [])).toThrow('every ip-range or gateway must have a corresponding subnet');
    expect(fails(['10.214.0.0/24', '10.214.0.0/16'], [], [])).toThrow('multiple overlapping subnet configuration is not supported');
    expect(fails(['10.214.0.0/24'], [], ['10.215.0.1'])).toThrow('no matching subnet for gateway 10.215.0.1');
    expect(fails(['10.214.0.0/24'], ['10.215.0.0/25'], [])).toThrow('no matching subnet for range 10.215.0.0/25');
    expect(fails([], [], [], { a: '10.9.9.9' })).toThrow('no matching subnet for aux-address 10.9.9.9');
    expect(fails([], [], [], { bad: '' })).toThrow(/^no matching subnet for aux-address $/);
    expect(fails(['bad', '10.0.0.0/8'], [], [])).toThrow('invalid subnet: invalid CIDR address: bad');
    expect(fails(['10.0.0.0/8', '192.168.0.0/16'], ['10.0.0.0/9', '10.128.0.0/9'], [])).toThrow('cannot configure multiple ranges (10.128.0.0/9, 10.0.0.0/9) on the same subnet (10.0.0.0/8)');
    expect(fails(['10.0.0.0/8', '192.168.0.0/16'], [], ['10.0.0.1', '10.0.0.2'])).toThrow('cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/8)');
  });

  it('leaves a lone subnet unchecked, for the daemon to refuse', () => {
    expect(consolidateIpam(['bad'], [], [], {})).toEqual([{ subnet: 'bad', ipRange: '', gateway: '', auxiliaryAddresses: {} }]);
  });
});
