// ce.network.v1 over a real unix socket: the client gives the same answers
// and errors as the NetworkService behind the server, and the server reads
// Docker's filters as dockerd does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateNetworkRequest, NetworkFilters, NetworkResource, NetworkService } from '@ce/network';
import { CeError, failedPrecondition, notFound, serveUnix, unary, type UnixServer } from '@ce/protocol';
import type { PruneNetworksResponse } from '@ce/protocol/gen/ce/network/v1/network';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerNetworkConnector, EndpointConfig } from '../../src/networking/network-connector.js';
import { networksGrpcService } from '../../src/networking/network-grpc.js';
import { NetworksGrpcClient } from '../../src/networking/network-grpc-client.js';

function resource(name: string, over: Partial<NetworkResource> = {}): NetworkResource {
  return {
    Name: name,
    Id: `${name.padEnd(4, 'x')}`.repeat(16).slice(0, 64),
    Created: '2026-12-06T22:50:30.664119556Z',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.213.7.0/24', Gateway: '10.213.7.1', AuxiliaryAddresses: { a: '10.213.7.5' } }] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
    ...over,
  };
}

/** Networks in memory; records what it was asked. */
class FakeNetworks implements NetworkService {
  readonly calls: Array<[string, unknown]> = [];
  constructor(readonly networks: NetworkResource[]) {}
  async create(req: CreateNetworkRequest) {
    this.calls.push(['create', req]);
    const n = resource(req.Name, { Labels: req.Labels ?? {} });
    this.networks.push(n);
    return n;
  }
  async list(filters?: NetworkFilters) {
    this.calls.push(['list', filters]);
    // As NetworkManager (and GET /networks): only inspect fills Containers.
    return this.networks.filter((n) => !filters?.driver || filters.driver.includes(n.Driver)).map((n) => ({ ...n, Containers: {} }));
  }
  async inspect(ref: string) {
    const n = this.networks.find((x) => x.Name === ref || x.Id.startsWith(ref));
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }
  async remove(ref: string) {
    const n = await this.inspect(ref);
    if (Object.keys(n.Containers).length) throw failedPrecondition(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    this.networks.splice(this.networks.indexOf(n), 1);
  }
  async prune(filters?: NetworkFilters) {
    this.calls.push(['prune', filters]);
    const gone = this.networks.filter((n) => !Object.keys(n.Containers).length && (!filters?.id || filters.id.includes(n.Id)));
    for (const n of gone) this.networks.splice(this.networks.indexOf(n), 1);
    return gone.map((n) => n.Name);
  }
}

class FakeConnector implements ContainerNetworkConnector {
  readonly calls: unknown[] = [];
  async connect(network: string, container: string, endpoint: EndpointConfig) {
    if (container === 'nope') throw notFound('No such container: nope');
    this.calls.push(['connect', network, container, endpoint]);
  }
  async disconnect(network: string, container: string, force: boolean) {
    this.calls.push(['disconnect', network, container, force]);
  }
}

let dir: string;
let server: UnixServer;
let client: NetworksGrpcClient;
let networks: FakeNetworks;
let connector: FakeConnector;
const endpoint = { Name: 'web', EndpointID: 'e'.repeat(64), MacAddress: '02:42:0a:d5:07:02', IPv4Address: '10.213.7.2/24', IPv6Address: '' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-network-grpc-'));
  networks = new FakeNetworks([resource('bridge'), resource('host', { Driver: 'host', IPAM: { Driver: 'default', Options: null, Config: [] } }), resource('busy', { Containers: { ['c'.repeat(64)]: endpoint } }), resource('idle', { Created: '2026-12-01T00:00:00Z', Labels: { keep: '1' } })]);
  connector = new FakeConnector();
  server = await serveUnix(join(dir, 'ce.sock'), [networksGrpcService(networks, connector)]);
  client = new NetworksGrpcClient(server.path);
});

afterEach(async () => {
  client.close();
  await server.close(0);
  await rm(dir, { recursive: true, force: true });
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as CeError);

describe('ce.network.v1 over a unix socket', () => {
  it('hands the service Docker\'s create request as given and returns its network unchanged', async () => {
    const req: CreateNetworkRequest = {
      Name: 'n1',
      Driver: 'bridge',
      Internal: true,
      Attachable: true,
      EnableIPv6: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.213.7.0/24', IPRange: '10.213.7.128/25', Gateway: '10.213.7.1', AuxiliaryAddresses: { a: '10.213.7.5' } }], Options: { o: '1' } },
      Options: { 'com.docker.network.bridge.name': 'cenc1' },
      Labels: { x: '1', y: '' },
    };
    const created = await client.create(req);
    expect(networks.calls).toEqual([['create', req]]);
    expect(JSON.stringify(created)).toBe(JSON.stringify(networks.networks.at(-1)));
  });

  it('leaves out of the request what the user did not give', async () => {
    await client.create({ Name: 'plain' });
    expect(networks.calls).toEqual([['create', { Name: 'plain' }]]);
  });

  it('inspects, lists and removes as the service does, errors keeping their code and words', async () => {
    expect(await client.inspect('busy')).toEqual(networks.networks[2]);
    expect((await client.list({ driver: ['host'] })).map((n) => n.Name)).toEqual(['host']);
    expect(networks.calls.at(-1)).toEqual(['list', { driver: ['host'] }]);
    const missing = await errorOf(client.inspect('nope'));
    expect(missing).toBeInstanceOf(CeError);
    expect(missing).toMatchObject({ code: 'NotFound', message: 'network nope not found' });
    expect(await errorOf(client.remove('busy'))).toMatchObject({ code: 'FailedPrecondition', message: expect.stringMatching(/has active endpoints$/) });
    await client.remove('idle');
    expect(networks.networks.map((n) => n.Name)).toEqual(['bridge', 'host', 'busy']);
  });

  it("reads list filters as dockerd: scope and dangling, Docker's words for a bad key or value", async () => {
    const names = async (filters: Array<{ key: string; value: string }>) => {
      const res = await unary<{ networks: Array<{ name: string }> }>((cb) => client.client.list({ filters }, cb));
      return res.networks.map((n) => n.name);
    };
    expect(await names([{ key: 'dangling', value: 'true' }])).toEqual(['idle']);
    expect(await names([{ key: 'dangling', value: '0' }])).toEqual(['bridge', 'host', 'busy']);
    expect(await names([{ key: 'scope', value: 'swarm' }])).toEqual([]);
    expect(await names([{ key: 'scope', value: 'local' }, { key: 'type', value: 'custom' }])).toHaveLength(4);
    expect(networks.calls.at(-1)).toEqual(['list', { type: ['custom'] }]);
    expect(await errorOf(names([{ key: 'foo', value: 'bar' }]))).toMatchObject({ code: 'InvalidArgument', message: "Invalid filter 'foo'" });
    expect(await errorOf(names([{ key: 'type', value: 'x' }]))).toMatchObject({ message: "invalid filter: 'type'='x'" });
    expect(await errorOf(names([{ key: 'dangling', value: 'x' }]))).toMatchObject({
      message: `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`,
    });
  });

  it('prunes what the service finds unused, narrowed by until and label!', async () => {
    const prune = (filters: Array<{ key: string; value: string }>) =>
      unary<PruneNetworksResponse>((cb) => client.client.prune({ filters }, cb)).then((r) => r.networksDeleted);
    expect(await errorOf(prune([{ key: 'driver', value: 'bridge' }]))).toMatchObject({ code: 'InvalidArgument', message: "Invalid filter 'driver'" });
    expect(await errorOf(prune([{ key: 'until', value: 'bad' }]))).toMatchObject({ message: 'failed to parse value as time or duration: "bad"' });
    expect(await prune([{ key: 'label!', value: 'keep=1' }, { key: 'until', value: '1796601600' }])).toEqual(['bridge', 'host']);
    // busy is a candidate too: the service, not the adapter, knows it is in use.
    expect(networks.calls.at(-1)).toEqual(['prune', { id: ['bridge', 'host', 'busy'].map((n) => resource(n).Id) }]);
    expect(await prune([{ key: 'until', value: '2026-12-02T00:00:00Z' }])).toEqual(['idle']);
    expect(await prune([{ key: 'until', value: '2026-12-02T00:00:00Z' }])).toEqual([]);
    expect(await client.prune({ label: ['x'] })).toEqual([]);
    expect(networks.calls.at(-1)).toEqual(['prune', { label: ['x'] }]);
  });

  it('connects and disconnects a container by reference, with its endpoint config', async () => {
    await client.connect('n1', 'web', { aliases: ['db', 'db2'], ipv4Address: '10.213.7.9', links: ['other:o'] });
    await client.connect('n1', 'web2', { aliases: [], links: [] });
    await client.disconnect('n1', 'web', true);
    expect(connector.calls).toEqual([
      ['connect', 'n1', 'web', { aliases: ['db', 'db2'], ipv4Address: '10.213.7.9', links: ['other:o'] }],
      ['connect', 'n1', 'web2', { aliases: [], links: [] }],
      ['disconnect', 'n1', 'web', true],
    ]);
    expect(await errorOf(client.connect('n1', 'nope', { aliases: [], links: [] }))).toMatchObject({ code: 'NotFound', message: 'No such container: nope' });
  });
});
