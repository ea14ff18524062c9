import { describe, expect, it } from 'vitest';
import { parseResult, readResult, resultAsVersion } from '../../../src/cni/result.js';

const v1 = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', sandbox: '/run/netns/x' }],
  ips: [
    { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0 },
    { address: 'fd00::2/64', interface: 0 },
  ],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
  custom: { kept: true },
};

describe('CNI results', () => {
  it('converts between the 0.x and 1.0.0 layouts by the ips version field, keeping unknown fields', () => {
    const old = resultAsVersion(v1, '0.4.0');
    expect(old['cniVersion']).toBe('0.4.0');
    expect(old['ips']).toEqual([
      { address: '10.0.0.2/24', gateway: '10.0.0.1', interface: 0, version: '4' },
      { address: 'fd00::2/64', interface: 0, version: '6' },
    ]);
    expect(old['custom']).toEqual({ kept: true });
    expect(resultAsVersion(old, '1.0.0')).toEqual(v1);
  });

  it('takes a result without cniVersion to be in the configuration version', () => {
    expect(parseResult(JSON.stringify({ ips: [{ version: '4', address: '10.0.0.2/24' }] }), '0.3.1', 'p')['cniVersion']).toBe('0.3.1');
  });

  it('reads an empty result as empty lists', () => {
    expect(readResult({ cniVersion: '1.0.0' })).toEqual({ cniVersion: '1.0.0', interfaces: [], ips: [], routes: [], dns: {} });
  });

  it.each([
    ['[]', 'p: result must be a JSON object'],
    ['{"cniVersion":"0.2.0","ip4":{}}', 'p: cniVersion: result version "0.2.0" is not supported'],
    ['{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","interface":1}]}', 'p: ips[0].interface: 1 is not an index into interfaces'],
    ['{"cniVersion":"1.0.0","interfaces":[{}]}', 'p: interfaces[0].name: must be a string'],
    ['{"cniVersion":"1.0.0","routes":{}}', 'p: routes: must be an array of objects'],
  ])('rejects %s', (text, message) => {
    expect(() => parseResult(text, '1.0.0', 'p')).toThrow(message);
  });
});
