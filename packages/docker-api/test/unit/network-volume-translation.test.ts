import { describe, expect, it } from 'vitest';
import { Network } from '@ce/protocol/gen/ce/network/v1/network';
import { Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import { filterPairs } from '../../src/translate/body-fields.js';
import { dockerNetwork, networkConnectRequest, networkCreateRequest, networkDisconnectRequest } from '../../src/translate/networks.js';
import { dockerVolume, inDockerWords, volumeCreateRequest, volumeFilters } from '../../src/translate/volumes.js';
import { CeError, notFound } from '@ce/protocol';

describe("Docker's network bodies as ce's requests", () => {
  it('reads a whole NetworkCreateRequest', () => {
    expect(
      networkCreateRequest({
        Name: 'web',
        CheckDuplicate: true,
        Driver: 'bridge',
        Internal: true,
        Attachable: true,
        EnableIPv6: false,
        IPAM: { Driver: 'default', Config: [{ Subnet: '10.9.0.0/24', IPRange: '10.9.0.128/25', Gateway: '10.9.0.1', AuxiliaryAddresses: { r: '10.9.0.2' } }], Options: { o: '1' } },
        Options: { 'com.docker.network.bridge.name': 'br-web' },
        Labels: { team: 'a' },
      }),
    ).toEqual({
      name: 'web',
      driver: 'bridge',
      internal: true,
      attachable: true,
      enableIpv6: false,
      ipamDriver: 'default',
      ipamConfig: [{ subnet: '10.9.0.0/24', ipRange: '10.9.0.128/25', gateway: '10.9.0.1', auxiliaryAddresses: { r: '10.9.0.2' } }],
      ipamOptions: { o: '1' },
      options: { 'com.docker.network.bridge.name': 'br-web' },
      labels: { team: 'a' },
    });
  });

  it('takes missing and null fields as Go zero values (compose sends IPAM: null)', () => {
    expect(networkCreateRequest({ Name: 'n', IPAM: null, Labels: null })).toEqual({
      name: 'n', driver: '', internal: false, attachable: false, enableIpv6: false, ipamDriver: '', ipamConfig: [], ipamOptions: {}, options: {}, labels: {},
    });
  });

  it("refuses a field of the wrong type in Go's words, naming the nested path", () => {
    expect(() => networkCreateRequest({ Name: 1 })).toThrow('json: cannot unmarshal number into Go struct field NetworkCreateRequest.Name of type string');
    expect(() => networkCreateRequest({ Name: 'x', IPAM: { Config: [{ Subnet: 3 }] } })).toThrow('json: cannot unmarshal number into Go struct field IPAMConfig.IPAM.Config.Subnet of type string');
    expect(() => networkCreateRequest({ Name: 'x', Labels: { a: 1 } })).toThrow('json: cannot unmarshal number into Go struct field NetworkCreateRequest.Labels of type string');
    expect(() => networkCreateRequest([])).toThrow('json: cannot unmarshal array into Go value of type types.NetworkCreateRequest');
    expect(() => networkCreateRequest({ Name: 'x', CheckDuplicate: 'yes' })).toThrow('json: cannot unmarshal string into Go struct field NetworkCreateRequest.CheckDuplicate of type bool');
  });

  it('reads connect and disconnect bodies', () => {
    expect(networkConnectRequest('net', { Container: 'c', EndpointConfig: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.9.0.9', IPv6Address: '' }, Links: ['db:d'] } })).toEqual({
      network: 'net', container: 'c', endpoint: { aliases: ['web'], ipv4Address: '10.9.0.9', links: ['db:d'] },
    });
    expect(networkConnectRequest('net', { Container: 'c' })).toEqual({ network: 'net', container: 'c', endpoint: { aliases: [], ipv4Address: '', links: [] } });
    expect(() => networkConnectRequest('net', { Container: 'c', EndpointConfig: { IPAMConfig: { IPv6Address: 'fd00::9' } } })).toThrow('IPv6 addresses are not supported by ce');
    expect(networkDisconnectRequest('net', { Container: 'c', Force: true })).toEqual({ network: 'net', container: 'c', force: true });
  });

  it("passes ced's NetworkResource JSON on as it is", () => {
    const resource = { Name: 'n', Id: 'abc', Scope: 'local', IPAM: { Driver: 'default', Options: null, Config: [] }, Containers: {} };
    expect(dockerNetwork(Network.fromPartial({ id: 'abc', networkJson: JSON.stringify(resource) }))).toEqual(resource);
    expect(() => dockerNetwork(Network.fromPartial({ id: 'abc', networkJson: '{' }))).toThrow('the daemon sent network abc as JSON that does not parse');
  });

  it("turns Docker's filters map into ce's key/value pairs", () => {
    expect(filterPairs({ label: ['a=b', 'c'], driver: ['bridge'] })).toEqual([
      { key: 'label', value: 'a=b' },
      { key: 'label', value: 'c' },
      { key: 'driver', value: 'bridge' },
    ]);
  });
});

describe("Docker's volume bodies as ce's requests", () => {
  it('reads a VolumeCreateBody', () => {
    expect(volumeCreateRequest({ Name: 'v', Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs' }, Labels: { a: 'b' } })).toEqual({
      name: 'v', driver: 'local', driverOpts: { type: 'tmpfs', device: 'tmpfs' }, labels: { a: 'b' },
    });
    expect(volumeCreateRequest({})).toEqual({ name: '', driver: '', driverOpts: {}, labels: {} });
    expect(() => volumeCreateRequest({ DriverOpts: ['x'] })).toThrow('json: cannot unmarshal array into Go struct field VolumeCreateBody.DriverOpts of type map[string]string');
  });

  it("maps filters to ce's shape and passes the VolumeJSON on", () => {
    expect(volumeFilters({ dangling: ['true'], label: ['a'] })).toEqual({ dangling: { values: ['true'] }, label: { values: ['a'] } });
    const json = { CreatedAt: '2026-01-01T00:00:00Z', Driver: 'local', Labels: null, Mountpoint: '/v/_data', Name: 'v', Options: null, Scope: 'local' };
    expect(dockerVolume(Volume.fromPartial({ name: 'v', json: JSON.stringify(json) }))).toEqual(json);
  });

  it("words a missing volume as dockerd's API does, other errors as they are", () => {
    expect(inDockerWords('v', notFound('No such volume: v'))).toMatchObject({ code: 'NotFound', message: 'get v: no such volume' });
    const other = new CeError('Conflict', 'remove v: volume is in use - [abc]');
    expect(inDockerWords('v', other)).toBe(other);
  });
});
