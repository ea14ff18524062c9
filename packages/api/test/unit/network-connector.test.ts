import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../src/containers/record.js';
import { emptyEndpoint } from '../../src/containers/model/defaults.js';
import { ContainerConnector, nextInterface } from '../../src/networking/container-connector.js';
import { networkStep } from '../../src/networking/network-step.js';
import { FakeEtcFiles, FakeNetworking } from '../support/fake-networking.js';
import { testRecord } from '../support/record.js';

function world(record: ContainerRecord) {
  const networks = new FakeNetworking();
  const etcFiles = new FakeEtcFiles();
  const saved: string[] = [];
  const events: string[] = [];
  const connector = new ContainerConnector({
    networks,
    etcFiles,
    containers: { resolve: () => record, save: async (r) => void saved.push(r.Id) },
    events: { network: (n, action, container) => void events.push(`${action} ${n.Name} ${container}`) },
  });
  return { networks, etcFiles, saved, events, connector };
}

async function running(mode = 'app') {
  const record = testRecord({ hostConfig: { NetworkMode: mode } });
  record.NetworkSettings.Networks = { [mode]: emptyEndpoint() };
  const w = world(record);
  await networkStep({ networking: w.networks, etcFiles: w.etcFiles, resolveContainer: () => record }).setup({ record, bundle: '/b', rootfs: [], specOpts: [] });
  record.State = { ...record.State, Running: true, Status: 'running', Pid: 10 };
  return { record, ...w };
}

describe('network connect and disconnect', () => {
  it('joins a running container at once on its next interface, rewriting its /etc files and recording the endpoint', async () => {
    const { record, networks, etcFiles, saved, events, connector } = await running();
    await connector.connect('back', record.Id, { aliases: ['cache'], links: [] });
    const req = networks.requests.at(-1)!;
    expect(req).toMatchObject({ network: 'back', req: { ifName: 'eth1', netnsPath: record.NetworkSettings.SandboxKey, aliases: ['cache', record.Id.slice(0, 12)] } });
    expect(record.NetworkSettings.Networks.back).toMatchObject({ NetworkID: 'back-id', IPAddress: expect.stringMatching(/^10\.0\./), Aliases: ['cache', record.Id.slice(0, 12)] });
    expect(etcFiles.rewritten!.addresses).toHaveLength(2);
    expect(etcFiles.rewritten!.dnsServers).toHaveLength(2);
    expect(saved).toEqual([record.Id]);
    expect(events).toEqual([`connect back ${record.Id}`]);

    await connector.disconnect('back', record.Id, false);
    expect(record.NetworkSettings.Networks.back).toBeUndefined();
    expect((await networks.endpoints(record.Id)).map((e) => e.networkName)).toEqual(['app']);
    expect(etcFiles.rewritten!.addresses).toHaveLength(1);
    expect(events.at(-1)).toBe(`disconnect back ${record.Id}`);
  });

  it('records the change of a stopped container for its next start', async () => {
    const record = testRecord({ hostConfig: { NetworkMode: 'app' } });
    record.NetworkSettings.Networks = { app: emptyEndpoint() };
    const { networks, connector } = world(record);
    await connector.connect('back', record.Id, { aliases: [], ipv4Address: '10.9.0.9', links: [] });
    expect(networks.requests).toEqual([]);
    expect(record.NetworkSettings.Networks.back).toMatchObject({ NetworkID: 'back-id', IPAMConfig: { IPv4Address: '10.9.0.9' }, IPAddress: '' });
    await connector.disconnect('app', record.Id, false);
    expect(Object.keys(record.NetworkSettings.Networks)).toEqual(['back']);
  });

  it("refuses what Docker refuses, in Docker's words", async () => {
    const { record, connector } = await running();
    await expect(connector.connect('app', record.Id, { aliases: [], links: [] })).rejects.toThrow(`endpoint with name ${record.Name.slice(1)} already exists in network app`);
    await expect(connector.connect('host', record.Id, { aliases: [], links: [] })).rejects.toThrow('container cannot be disconnected from host network or connected to host network');
    await expect(connector.connect('bridge', record.Id, { aliases: ['x'], links: [] })).rejects.toThrow('network-scoped alias is supported only for containers in user defined networks');
    await expect(connector.disconnect('back', record.Id, false)).rejects.toThrow(`container ${record.Id} is not connected to the network back`);
    await expect(connector.connect('nope', record.Id, { aliases: [], links: [] })).rejects.toThrow('network nope not found');
    const none = await running('none');
    await expect(none.connector.connect('app', none.record.Id, { aliases: [], links: [] })).rejects.toThrow('private (none) mode');
  });

  it('picks the first free ethN', () => {
    const ep = (ifName: string) => ({ ifName }) as Parameters<typeof nextInterface>[0][number];
    expect(nextInterface([])).toBe('eth0');
    expect(nextInterface([ep('eth0'), ep('eth2')])).toBe('eth1');
  });
});
