import { buildSpecSync } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../src/containers/record.js';
import { StartPipeline, type StartContext } from '../../src/containers/start-pipeline.js';
import { networkStep, predefinedNetworkIds } from '../../src/networking/network-step.js';
import { emptyEndpoint } from '../../src/containers/model/defaults.js';
import { testRecord } from '../support/record.js';
import { FakeEtcFiles, FakeNetworking } from '../support/fake-networking.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function setup(record: ContainerRecord, opts: { failOn?: string[]; others?: ContainerRecord[] } = {}) {
  const networking = new FakeNetworking(opts.failOn);
  const etcFiles = new FakeEtcFiles();
  const logged: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const step = networkStep({
    networking,
    etcFiles,
    logger: { info: (fields: Record<string, unknown>, msg: string) => logged.push({ fields, msg }) } as never,
    resolveContainer: (ref) => {
      const found = opts.others?.find((o) => o.Id === ref || o.Name === `/${ref}`);
      if (!found) throw new Error(`No such container: ${ref}`);
      return found;
    },
    predefinedNetworkId: async (name) => `${name}-network-id`,
  });
  const ctx: StartContext = { record, bundle: '/b', rootfs: [], specOpts: [] };
  return { networking, etcFiles, step, ctx, logged };
}

const onNetworks = (mode: string, networks: string[], hostConfig: Partial<ContainerRecord['HostConfig']> = {}) => {
  const r = testRecord({ hostConfig: { NetworkMode: mode, ...hostConfig } });
  r.NetworkSettings.Networks = Object.fromEntries(networks.map((n) => [n, emptyEndpoint()]));
  return r;
};

describe('the network start step', () => {
  it('joins a sandbox to the default bridge, publishes ports there and fills NetworkSettings as Docker does', async () => {
    const record = onNetworks('default', ['bridge'], { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } });
    record.Config.ExposedPorts = { '80/tcp': {}, '443/tcp': {} };
    const { networking, etcFiles, step, ctx } = setup(record);
    await step.setup(ctx);
    expect(networking.requests).toEqual([
      { network: 'bridge', req: expect.objectContaining({ ifName: 'eth0', netnsPath: `/run/ce/netns/${record.Id}`, aliases: [], ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }] }) },
    ]);
    const s = record.NetworkSettings;
    expect(s).toMatchObject({ SandboxKey: `/run/ce/netns/${record.Id}`, IPAddress: '10.0.2.2', IPPrefixLen: 24, Gateway: '10.0.2.1', MacAddress: '02:42:0a:00:02:02' });
    expect(s.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null });
    expect(s.Networks.bridge).toMatchObject({ NetworkID: 'bridge-id', IPAddress: '10.0.2.2', Aliases: null });
    expect(etcFiles.facts).toEqual({ hostNetwork: false, addresses: ['10.0.2.2'], dnsServers: [] });
    const spec = buildSpecSync(ctx.specOpts);
    expect(spec.linux!.namespaces!.find((n) => n.type === 'network')).toEqual({ type: 'network', path: `/run/ce/netns/${record.Id}` });
    expect(spec.mounts!.map((m) => m.destination)).toEqual(expect.arrayContaining(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']));
    expect(record.HostsPath).toBe(`/c/${record.Id}/hosts`);
  });

  it("on a user-defined network adds the short id to the aliases, passes its --link aliases and uses the network's DNS server", async () => {
    const record = onNetworks('app', ['app']);
    record.NetworkSettings.Networks.app!.Aliases = ['db'];
    record.NetworkSettings.Networks.app!.Links = ['cache-1:cache', 'queue'];
    const { networking, etcFiles, step, ctx } = setup(record);
    await step.setup(ctx);
    expect(networking.requests[0]!.req.aliases).toEqual(['db', record.Id.slice(0, 12)]);
    expect(networking.requests[0]!.req.links).toEqual([
      { name: 'cache-1', alias: 'cache' },
      { name: 'queue', alias: 'queue' },
    ]);
    expect(record.NetworkSettings.Networks.app!.Aliases).toEqual(['db', record.Id.slice(0, 12)]);
    expect(record.NetworkSettings.IPAddress).toBe('');
    expect(etcFiles.facts!.dnsServers).toEqual(['10.0.2.1']);
  });

  it('publishes -P ports on free host ports, besides the bound ones', async () => {
    const record = onNetworks('default', ['bridge'], { PublishAllPorts: true, PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8000-8010' }] } });
    record.Config.ExposedPorts = { '80/tcp': {}, '53/udp': {} };
    const { networking, step, ctx } = setup(record);
    await step.setup(ctx);
    expect(networking.requests[0]!.req.ports).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8000, hostPortEnd: 8010 },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 0 },
    ]);
  });

  it('leaves nothing when joining its second network fails, through the pipeline', async () => {
    const record = onNetworks('front', ['front', 'back']);
    const { networking, step } = setup(record, { failOn: ['back'] });
    const pipeline = new StartPipeline(silent).register(step);
    await expect(pipeline.setup({ record, bundle: '/b', rootfs: [], specOpts: [] })).rejects.toThrow('no network back');
    expect(networking.requests.map((r) => [r.network, r.req.ifName])).toEqual([['front', 'eth0'], ['back', 'eth1']]);
    expect(networking.attached.get(record.Id)).toEqual([]);
    expect(networking.sandboxes.size).toBe(0);
    expect(record.NetworkSettings.SandboxKey).toBe('');
  });

  it('on stop leaves the networks and clears the addresses, keeping what was asked', async () => {
    const record = onNetworks('app', ['app']);
    const { networking, step, ctx, logged } = setup(record);
    await step.setup(ctx);
    await step.teardown(record, 'stopped');
    expect(networking.sandboxes.size).toBe(0);
    expect(logged).toEqual([{ fields: { id: record.Id, endpoints: 1, networkTeardownMs: expect.any(Number) }, msg: 'network torn down' }]);
    expect(record.NetworkSettings).toMatchObject({ SandboxKey: '', Ports: {}, IPAddress: '' });
    expect(record.NetworkSettings.Networks.app).toMatchObject({ IPAddress: '', EndpointID: '', Aliases: [record.Id.slice(0, 12)] });
    // Teardown after a ced restart with nothing set up is harmless, and not logged.
    await step.teardown(record, 'stopped');
    expect(logged).toHaveLength(1);
  });

  it('--network host uses the host namespace and files, with no sandbox', async () => {
    const record = onNetworks('host', ['host']);
    const { networking, etcFiles, step, ctx } = setup(record);
    await step.setup(ctx);
    expect(networking.sandboxes.size).toBe(0);
    expect(etcFiles.facts).toEqual({ hostNetwork: true, addresses: [], dnsServers: [] });
    expect(buildSpecSync(ctx.specOpts).linux!.namespaces!.some((n) => n.type === 'network')).toBe(false);
  });

  it.each(['host', 'none'])('--network %s shows that network and an endpoint id while running, the network alone once stopped (as Docker)', async (mode) => {
    const record = onNetworks(mode, [mode]);
    const { step, ctx } = setup(record);
    await step.setup(ctx);
    expect(record.NetworkSettings.Networks[mode]).toMatchObject({ NetworkID: `${mode}-network-id`, EndpointID: expect.stringMatching(/^[0-9a-f]{64}$/), IPAddress: '', Gateway: '' });
    await step.teardown(record, 'stopped');
    expect(record.NetworkSettings.Networks[mode]).toMatchObject({ NetworkID: `${mode}-network-id`, EndpointID: '' });
  });

  it('--network host with no entry for it in Networks (an API create without one) adds none', async () => {
    const record = onNetworks('host', []);
    const { step, ctx } = setup(record);
    await step.setup(ctx);
    expect(record.NetworkSettings.Networks).toEqual({});
  });

  it("asks for the host and none networks' ids once each, and again after a failed look", async () => {
    const asked: string[] = [];
    let fail = true;
    const ids = predefinedNetworkIds({
      inspect: async (name) => {
        asked.push(name);
        if (name === 'none' && fail) throw new Error('network manager not ready');
        return { Id: `${name}-id` };
      },
    });
    expect(await Promise.all([ids('host'), ids('host')])).toEqual(['host-id', 'host-id']);
    await expect(ids('none')).rejects.toThrow('network manager not ready');
    fail = false;
    expect(await ids('none')).toBe('none-id');
    expect(await ids('none')).toBe('none-id');
    expect(asked).toEqual(['host', 'none', 'none']);
  });

  it("--network container: joins the other's namespace, names and files, and only while it runs", async () => {
    const web = testRecord({ id: 'f'.repeat(64), name: 'web' });
    web.State = { ...web.State, Running: true, Status: 'running', Pid: 4242 };
    web.Config.Hostname = 'webhost';
    web.HostsPath = '/c/web/hosts';
    web.HostnamePath = '/c/web/hostname';
    web.ResolvConfPath = '/c/web/resolv.conf';
    const record = onNetworks('container:web', []);
    const { networking, step, ctx } = setup(record, { others: [web] });
    await step.setup(ctx);
    expect(networking.sandboxes.size).toBe(0);
    expect(buildSpecSync(ctx.specOpts).linux!.namespaces!.find((n) => n.type === 'network')).toEqual({ type: 'network', path: '/proc/4242/ns/net' });
    expect(record.Config.Hostname).toBe('webhost');
    expect(record.HostsPath).toBe('/c/web/hosts');
    web.State = { ...web.State, Running: false, Status: 'exited' };
    const again = setup(onNetworks('container:web', []), { others: [web] });
    await expect(again.step.setup(again.ctx)).rejects.toThrow(`cannot join network of a non running container: ${web.Id}`);
  });
});
