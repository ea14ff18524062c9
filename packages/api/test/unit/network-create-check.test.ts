import type { NetworkResource } from '@ce/network';
import { notFound } from '@ce/protocol/errors';
import { describe, expect, it } from 'vitest';
import { createNetworkCheck } from '../../src/networking/create-check.js';

const network = (Name: string): NetworkResource =>
  ({ Name, Id: `${Name}-id`.padEnd(64, '0'), Driver: Name === 'none' ? 'null' : Name === 'host' ? 'host' : 'bridge' }) as NetworkResource;

const networks = {
  async inspect(ref: string) {
    const found = ['bridge', 'host', 'none', 'app'].find((n) => n === ref || `${n}-id`.padEnd(64, '0').startsWith(ref));
    if (!found) throw notFound(`network ${ref} not found`);
    return network(found);
  },
};
const check = createNetworkCheck(networks, (ref) => ref === 'web');

describe("create's network checks", () => {
  it('puts a container without --network on the bridge network', async () => {
    expect(Object.keys(await check.networksFor({}, { NetworkMode: 'default' }, {}))).toEqual(['bridge']);
  });
  it('records the network under its name, with the endpoint settings asked for', async () => {
    const networks = await check.networksFor({}, { NetworkMode: 'app-id' }, { EndpointsConfig: { 'app-id': { Aliases: ['db'], IPAMConfig: { IPv4Address: '10.211.0.9' } } } });
    expect(networks).toEqual({ app: expect.objectContaining({ Aliases: ['db'], IPAMConfig: { IPv4Address: '10.211.0.9' }, NetworkID: '', IPAddress: '' }) });
  });
  it("refuses a network that does not exist with Docker's words", async () => {
    await expect(check.networksFor({}, { NetworkMode: 'nope' }, {})).rejects.toThrow('network nope not found');
  });
  it('refuses aliases and a fixed address on the predefined networks', async () => {
    await expect(check.networksFor({}, { NetworkMode: 'default' }, { EndpointsConfig: { bridge: { Aliases: ['x'] } } })).rejects.toThrow(
      'network-scoped alias is supported only for containers in user defined networks',
    );
    await expect(check.networksFor({}, { NetworkMode: 'bridge' }, { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: '10.210.0.9' } } } })).rejects.toThrow(
      'user specified IP address is supported on user defined networks only',
    );
  });
  it('refuses more than one network at create, as API 1.41 does', async () => {
    await expect(check.networksFor({}, { NetworkMode: 'app' }, { EndpointsConfig: { app: {}, bridge: {} } })).rejects.toThrow('Container cannot be connected to network endpoints: app, bridge');
  });
  it("joins another container's namespace only without options of its own", async () => {
    expect(await check.networksFor({}, { NetworkMode: 'container:web' }, {})).toEqual({});
    await expect(check.networksFor({}, { NetworkMode: 'container:nope' }, {})).rejects.toThrow('No such container: nope');
    await expect(check.networksFor({}, { NetworkMode: 'container:web', PortBindings: { '80/tcp': [] } }, {})).rejects.toThrow('conflicting options: port publishing and the container type network mode');
    await expect(check.networksFor({ Hostname: 'h' }, { NetworkMode: 'container:web' }, {})).rejects.toThrow('conflicting options: hostname and the network mode');
    await expect(check.networksFor({}, { NetworkMode: 'container:web', Dns: ['10.0.0.1'] }, {})).rejects.toThrow('conflicting options: dns and the network mode');
  });
});
