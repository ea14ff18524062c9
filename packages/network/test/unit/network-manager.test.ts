import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkManager, type AttachRequest, type NetworkManagerOptions } from '../../src/index.js';
import { FakeHost } from './fake-host.js';

let dir: string;
let host: FakeHost;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-test-netmgr-'));
  host = new FakeHost();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function manager(extra: Partial<NetworkManagerOptions> = {}): Promise<NetworkManager> {
  const m = new NetworkManager({
    links: host.links,
    netns: host.netns,
    firewall: host.firewall,
    dns: host.dns,
    ports: host.ports,
    stateDir: join(dir, 'state'),
    netnsDir: join(dir, 'netns'),
    ...extra,
  });
  await m.init();
  return m;
}

const ID1 = '1'.repeat(64);
const ID2 = '2'.repeat(64);

async function attach(m: NetworkManager, containerId: string, extra: Partial<AttachRequest> = {}): Promise<AttachRequest> {
  return { containerId, containerName: `c-${containerId.slice(0, 4)}`, netnsPath: await m.createSandbox(containerId), ...extra };
}

describe('predefined networks', () => {
  it('creates bridge (on ce0, 10.210.0.0/16, no DNS), host and none at first start, once', async () => {
    const m = await manager();
    const names = (await m.list()).map((n) => `${n.Name}/${n.Driver}`);
    expect(names.sort()).toEqual(['bridge/bridge', 'host/host', 'none/null']);
    const bridge = await m.inspect('bridge');
    expect(bridge.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(bridge.IPAM).toEqual({ Driver: 'default', Options: null, Config: [{ Subnet: '10.210.0.0/16', Gateway: '10.210.0.1' }] });
    expect(bridge.Options['com.docker.network.bridge.name']).toBe('ce0');
    expect(host.namespaces.get('')!.get('ce0')).toMatchObject({ kind: 'bridge', up: true, addresses: ['10.210.0.1/16'] });
    expect(host.dnsNetworks.size).toBe(0);
    expect([...host.firewallNetworks.values()]).toEqual([
      { id: bridge.Id, bridge: 'ce0', subnet: '10.210.0.0/16', internal: false, icc: true, masquerade: true },
    ]);

    const again = await manager();
    expect((await again.inspect('bridge')).Id).toBe(bridge.Id);
    expect((await again.list()).length).toBe(3);
  });

  it('cannot be removed, nor created again', async () => {
    const m = await manager();
    await expect(m.remove('bridge')).rejects.toThrow('bridge is a pre-defined network and cannot be removed');
    await expect(m.remove('host')).rejects.toMatchObject({ code: 'PermissionDenied' });
    await expect(m.create({ Name: 'none' })).rejects.toThrow('operation is not permitted on predefined none network');
    await expect(m.create({ Name: 'x', Driver: 'host' })).rejects.toThrow('only one instance of "host" network is allowed');
  });

  it("takes the default bridge's device, address and MTU from the options (dockerd's -b, --bip, --mtu), again when they change", async () => {
    const m = await manager({ defaultBridge: { device: 'cetest0', bip: '10.77.0.254/24', mtu: 1400 } });
    expect((await m.inspect('bridge')).IPAM.Config).toEqual([{ Subnet: '10.77.0.0/24', Gateway: '10.77.0.254' }]);
    expect(host.namespaces.get('')!.get('cetest0')).toMatchObject({ mtu: 1400, addresses: ['10.77.0.254/24'] });

    const m2 = await manager({ defaultBridge: { device: 'cetest1', bip: '10.78.0.1/16' } });
    expect((await m2.inspect('bridge')).IPAM.Config).toEqual([{ Subnet: '10.78.0.0/16', Gateway: '10.78.0.1' }]);
    expect(host.namespaces.get('')!.has('cetest0')).toBe(false);
    expect(host.firewallNetworks.size).toBe(1);

    const m3 = await manager({ defaultBridge: { device: 'none' } });
    expect((await m3.list()).map((n) => n.Name).sort()).toEqual(['host', 'none']);
  });
});

describe('user networks', () => {
  it("creates a bridge network with Docker's shape, a pool subnet, DNS and firewall rules", async () => {
    const m = await manager();
    const net = await m.create({ Name: 'front', Labels: { team: 'a' } });
    expect(net).toMatchObject({
      Name: 'front',
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.211.0.0/24', Gateway: '10.211.0.1' }] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {},
      Options: {},
      Labels: { team: 'a' },
    });
    const bridge = `ce-${net.Id.slice(0, 12)}`;
    expect(host.namespaces.get('')!.get(bridge)).toMatchObject({ kind: 'bridge', up: true, addresses: ['10.211.0.1/24'] });
    expect(host.dnsNetworks.get(net.Id)).toBe('10.211.0.1');
    // Its name (for `container.<network>` and reverse lookups), and whether its DNS server may forward out.
    expect(host.dnsNetworkOptions.get(net.Id)).toEqual({ name: 'front', internal: false });
    expect(host.firewallNetworks.get(net.Id)).toMatchObject({ bridge, subnet: '10.211.0.0/24' });
    const back = await m.create({ Name: 'back', Internal: true });
    expect(back.IPAM.Config[0]!.Subnet).toBe('10.211.1.0/24');
    expect(host.dnsNetworkOptions.get(back.Id)).toEqual({ name: 'back', internal: true });
  });

  it('skips pool subnets that overlap a host route', async () => {
    host.routes.get('')!.push({ dst: '10.211.0.0/23', dev: 'wg0' });
    const m = await manager();
    expect((await m.create({ Name: 'n' })).IPAM.Config[0]!.Subnet).toBe('10.211.2.0/24');
  });

  it("refuses a taken name and an overlapping subnet with Docker's words", async () => {
    const m = await manager();
    await m.create({ Name: 'a', IPAM: { Config: [{ Subnet: '10.50.0.0/16' }] } });
    await expect(m.create({ Name: 'a' })).rejects.toThrow('network with name a already exists');
    await expect(m.create({ Name: 'b', IPAM: { Config: [{ Subnet: '10.50.3.0/24' }] } })).rejects.toThrow(
      'Pool overlaps with other one on this address space',
    );
    await expect(m.create({ Name: 'b', IPAM: { Config: [{ Subnet: '10.210.0.0/24' }] } })).rejects.toThrow('Pool overlaps');
    expect((await m.list()).length).toBe(4);
  });

  it('checks the options and applies them', async () => {
    const m = await manager();
    await expect(m.create({ Name: 'x', Options: { 'com.docker.network.driver.mtu': 'big' } })).rejects.toThrow(
      'invalid com.docker.network.driver.mtu "big"',
    );
    await expect(m.create({ Name: 'x', Options: { 'com.docker.network.bridge.enable_icc': 'maybe' } })).rejects.toThrow('expected true or false');
    await expect(m.create({ Name: 'x', Options: { 'com.docker.network.bridge.name': 'much-too-long-name' } })).rejects.toThrow('invalid bridge name');
    await expect(m.create({ Name: 'x', Driver: 'overlay' })).rejects.toThrow('plugin "overlay" not found');
    await expect(m.create({ Name: 'x', IPAM: { Config: [{ Gateway: '10.1.0.1' }] } })).rejects.toThrow('must have a corresponding subnet');
    await m.create({
      Name: 'x',
      Internal: true,
      Options: {
        'com.docker.network.bridge.name': 'cetest1',
        'com.docker.network.driver.mtu': '1400',
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
      },
    });
    expect(host.namespaces.get('')!.get('cetest1')).toMatchObject({ mtu: 1400 });
    expect([...host.firewallNetworks.values()].find((n) => n.bridge === 'cetest1')).toMatchObject({ internal: true, icc: false, masquerade: false });
    await expect(m.create({ Name: 'y', Options: { 'com.docker.network.bridge.name': 'cetest1' } })).rejects.toThrow('networks have same bridge name');
  });

  it('keeps ip-range, gateway and auxiliary addresses in IPAM.Config', async () => {
    const m = await manager();
    const net = await m.create({
      Name: 'n',
      IPAM: { Config: [{ Subnet: '10.60.0.0/24', IPRange: '10.60.0.128/25', Gateway: '10.60.0.254', AuxiliaryAddresses: { nas: '10.60.0.5' } }] },
    });
    expect(net.IPAM.Config).toEqual([{ Subnet: '10.60.0.0/24', IPRange: '10.60.0.128/25', Gateway: '10.60.0.254', AuxiliaryAddresses: { nas: '10.60.0.5' } }]);
  });

  it('finds networks by id, name and unique id prefix, as dockerd', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'web' });
    expect((await m.inspect(net.Id)).Name).toBe('web');
    expect((await m.inspect(net.Id.slice(0, 5))).Name).toBe('web');
    expect((await m.inspect('web')).Id).toBe(net.Id);
    await expect(m.inspect('nope')).rejects.toMatchObject({ code: 'NotFound', message: 'network nope not found' });
    await expect(m.inspect('')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('lists and prunes with filters', async () => {
    const m = await manager();
    await m.create({ Name: 'app-front', Labels: { tier: 'front' } });
    await m.create({ Name: 'app-back', Labels: { tier: 'back' } });
    await m.create({ Name: 'other' });
    const names = async (f: Parameters<NetworkManager['list']>[0]) => (await m.list(f)).map((n) => n.Name).sort();
    expect(await names({ name: ['app'] })).toEqual(['app-back', 'app-front']);
    expect(await names({ label: ['tier=front'] })).toEqual(['app-front']);
    expect(await names({ label: ['tier'] })).toEqual(['app-back', 'app-front']);
    expect(await names({ type: ['builtin'] })).toEqual(['bridge', 'host', 'none']);
    expect(await names({ driver: ['null'] })).toEqual(['none']);
    await expect(m.list({ type: ['weird' as 'custom'] })).rejects.toThrow("invalid filter: 'type'='weird'");

    const busy = await m.create({ Name: 'busy' });
    await m.connect('busy', await attach(m, ID1));
    expect((await m.prune({ label: ['tier'] })).sort()).toEqual(['app-back', 'app-front']);
    expect(await m.prune()).toEqual(['other']);
    expect((await m.list()).map((n) => n.Name).sort()).toEqual(['bridge', 'busy', 'host', 'none']);
    expect(busy.Name).toBe('busy');
  });

  it('removes a network and all it programmed, but not while containers are attached', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'web' });
    await m.connect('web', await attach(m, ID1));
    await expect(m.remove('web')).rejects.toThrow(`error while removing network: network web id ${net.Id} has active endpoints`);
    await m.disconnect('web', ID1);
    await m.remove(net.Id.slice(0, 8));
    expect(host.namespaces.get('')!.has(`ce-${net.Id.slice(0, 12)}`)).toBe(false);
    expect(host.firewallNetworks.has(net.Id)).toBe(false);
    expect(host.dnsNetworks.has(net.Id)).toBe(false);
    expect(readdirSync(join(dir, 'state', 'ipam'))).not.toContain(`${net.Id}.json`);
    await expect(m.inspect('web')).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('connect and disconnect', () => {
  it('plugs a veth into the sandbox with address, MAC, default route, names and ports', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'web' });
    const req = await attach(m, ID1, { aliases: ['api'], ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }] });
    const ep = await m.connect('web', req);
    const bridge = `ce-${net.Id.slice(0, 12)}`;
    expect(ep).toMatchObject({
      networkId: net.Id,
      networkName: 'web',
      containerId: ID1,
      ifName: 'eth0',
      ipAddress: '10.211.0.2',
      prefixLen: 24,
      gateway: '10.211.0.1',
      macAddress: '02:42:0a:d3:00:02',
      aliases: [ID1.slice(0, 12), 'api'],
      dnsServer: '10.211.0.1',
      ports: [{ protocol: 'tcp', hostIp: '', hostPort: 49153, containerIp: '10.211.0.2', containerPort: 80, bridge, containerId: ID1 }],
    });
    expect(ep.id).toMatch(/^[0-9a-f]{64}$/);
    expect(ep.hostIfName).toMatch(/^veth[0-9a-f]{7}$/);
    expect(host.namespaces.get('')!.get(ep.hostIfName)).toMatchObject({ master: bridge, up: true });
    const inside = host.namespaces.get(req.netnsPath)!;
    expect(inside.get('eth0')).toMatchObject({ up: true, mac: '02:42:0a:d3:00:02', addresses: ['10.211.0.2/24'] });
    expect(inside.get('lo')!.up).toBe(true);
    expect(host.routes.get(req.netnsPath)).toEqual([{ dst: 'default', gateway: '10.211.0.1', dev: 'eth0' }]);
    expect(host.dnsRecords.get(`${net.Id}/${ID1}`)).toEqual({ names: ['c-1111', ID1.slice(0, 12), 'api'], ipv4: '10.211.0.2' });
    expect(host.portMappings).toEqual(ep.ports);
    expect((await m.inspect('web')).Containers).toEqual({
      [ID1]: { Name: 'c-1111', EndpointID: ep.id, MacAddress: ep.macAddress, IPv4Address: '10.211.0.2/24', IPv6Address: '' },
    });
    expect(await m.endpoints(ID1)).toEqual([ep]);

    await m.disconnect('web', ID1);
    expect(host.namespaces.get('')!.has(ep.hostIfName)).toBe(false);
    expect(inside.has('eth0')).toBe(false);
    expect(host.portMappings).toEqual([]);
    expect(host.reservedPorts.size).toBe(0);
    expect(host.dnsRecords.size).toBe(0);
    expect(await m.endpoints(ID1)).toEqual([]);
    await m.disconnect('web', ID1);
  });

  it('gives the second network eth1 and no default route; the default bridge no DNS', async () => {
    const m = await manager();
    await m.create({ Name: 'second' });
    const req = await attach(m, ID1);
    const first = await m.connect('bridge', req);
    const second = await m.connect('second', req);
    expect([first.ifName, second.ifName]).toEqual(['eth0', 'eth1']);
    expect(first.dnsServer).toBeUndefined();
    expect(first.aliases).toEqual([]);
    expect(host.routes.get(req.netnsPath)).toEqual([{ dst: 'default', gateway: '10.210.0.1', dev: 'eth0' }]);
    expect(host.dnsRecords.size).toBe(1);
    await expect(m.connect('second', req)).rejects.toThrow('endpoint with name c-1111 already exists in network second');
  });

  it('gives the embedded DNS server the --link aliases of a container on a user network, again after a restart', async () => {
    let m = await manager();
    const net = await m.create({ Name: 'web' });
    const links = [{ name: 'db-1', alias: 'db' }];
    const req = await attach(m, ID1, { links });
    await m.connect('web', req);
    expect(host.dnsRecords.get(`${net.Id}/${ID1}`)).toMatchObject({ names: ['c-1111', ID1.slice(0, 12)], links });
    host.dnsRecords.clear();
    m = await manager();
    await m.reconcile(new Set([ID1]));
    expect(host.dnsRecords.get(`${net.Id}/${ID1}`)).toMatchObject({ links });
  });

  it("enforces Docker's rules on --ip and aliases", async () => {
    const m = await manager();
    await m.create({ Name: 'auto' });
    await m.create({ Name: 'fixed', IPAM: { Config: [{ Subnet: '10.70.0.0/24' }] } });
    await expect(m.connect('bridge', await attach(m, ID1, { ipv4Address: '10.210.0.9' }))).rejects.toThrow(
      'user specified IP address is supported on user defined networks only',
    );
    await expect(m.connect('auto', await attach(m, ID1, { ipv4Address: '10.211.0.9' }))).rejects.toThrow(
      'user specified IP address is supported only when connecting to networks with user configured subnets',
    );
    await expect(m.connect('bridge', await attach(m, ID1, { aliases: ['x'] }))).rejects.toThrow('network-scoped alias is supported only');
    expect((await m.connect('fixed', await attach(m, ID1, { ipv4Address: '10.70.0.9' }))).ipAddress).toBe('10.70.0.9');
    await expect(m.connect('fixed', await attach(m, ID2, { ipv4Address: '10.70.0.9' }))).rejects.toThrow('Address already in use');
    await expect(m.connect('host', await attach(m, ID2))).rejects.toThrow('connected to host network');
  });

  it('publishes ports only on the endpoint that gives the default route, and none on an internal network', async () => {
    const m = await manager();
    await m.create({ Name: 'private', Internal: true });
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 8080 }];
    const req = await attach(m, ID1, { ports });
    const internal = await m.connect('private', req);
    expect(internal).toMatchObject({ gateway: '', ports: [] });
    expect(host.routes.get(req.netnsPath)).toEqual([]);
    const outside = await m.connect('bridge', req);
    expect(outside.ports.map((p) => p.hostPort)).toEqual([8080]);
  });

  it('hands the default route and the published ports to the next network when the one that had them is left', async () => {
    const m = await manager();
    const second = await m.create({ Name: 'second' });
    await m.create({ Name: 'private', Internal: true });
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 8080 }];
    const req = await attach(m, ID1, { ports });
    await m.connect('bridge', req);
    await m.connect('private', req);
    const next = await m.connect('second', req);
    expect(next.ports).toEqual([]);

    await m.disconnect('bridge', ID1);
    const bridge = `ce-${second.Id.slice(0, 12)}`;
    const moved = [{ protocol: 'tcp', hostIp: '', hostPort: 8080, containerIp: next.ipAddress, containerPort: 80, bridge, containerId: ID1 }];
    expect(host.routes.get(req.netnsPath)).toEqual([{ dst: 'default', gateway: next.gateway, dev: 'eth2' }]);
    expect(host.portMappings).toEqual(moved);
    expect([...host.reservedPorts.values()].flat().map((p) => p.hostPort)).toEqual([8080]);
    expect((await m.endpoints(ID1)).find((ep) => ep.networkName === 'second')!.ports).toEqual(moved);

    // Leaving the last network with a gateway leaves the container without a way out, and without ports.
    await m.disconnect('second', ID1);
    expect(host.routes.get(req.netnsPath)).toEqual([]);
    expect(host.portMappings).toEqual([]);
    expect(host.reservedPorts.size).toBe(0);
  });

  it('undoes every step when any step of connect fails', async () => {
    const m = await manager();
    await m.create({ Name: 'web' });
    const req = await attach(m, ID1, { ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }] });
    const firstStep = host.steps.length;
    await m.connect('web', req);
    const stepsOfConnect = host.steps.length - firstStep;
    expect(stepsOfConnect).toBeGreaterThan(8);
    await m.disconnect('web', ID1);
    // What a connect and a disconnect leave: the sandbox as it was, but its loopback up.
    const before = host.snapshot();

    for (let i = 0; i < stepsOfConnect; i++) {
      host.failAt = host.steps.length + i;
      const failedStep = () => host.steps[host.failAt!];
      await expect(m.connect('web', req), `failure at step ${i}`).rejects.toThrow('injected failure');
      host.failAt = undefined;
      expect(host.snapshot(), `after a failure at ${failedStep()}`).toEqual(before);
      expect(await m.endpoints(ID1)).toEqual([]);
      expect((await m.inspect('web')).Containers).toEqual({});
    }
    // Nothing leaked: the next connect gets the first address again.
    expect((await m.connect('web', req)).ipAddress).toBe('10.211.0.2');
  });

  it('undoes a network whose programming fails', async () => {
    const m = await manager();
    const before = host.snapshot();
    const firstStep = host.steps.length;
    const net = await m.create({ Name: 'probe' });
    const stepsOfCreate = host.steps.length - firstStep;
    await m.remove(net.Id);
    for (let i = 0; i < stepsOfCreate; i++) {
      host.failAt = host.steps.length + i;
      await expect(m.create({ Name: 'web' })).rejects.toThrow('injected failure');
      host.failAt = undefined;
      expect(host.snapshot()).toEqual(before);
      expect((await m.list()).map((n) => n.Name)).not.toContain('web');
    }
    expect(readdirSync(join(dir, 'state', 'ipam')).length).toBe(1);
  });
});

describe('sandboxes', () => {
  it('pins a namespace per container under the run folder; removing it disconnects the container', async () => {
    const m = await manager();
    const path = await m.createSandbox(ID1);
    expect(path).toBe(join(dir, 'netns', ID1));
    expect(existsSync(path)).toBe(true);
    await m.connect('bridge', { containerId: ID1, containerName: 'a', netnsPath: path });
    await m.removeSandbox(ID1);
    expect(existsSync(path)).toBe(false);
    expect(await m.endpoints(ID1)).toEqual([]);
    expect((await m.inspect('bridge')).Containers).toEqual({});
    await m.removeSandbox(ID1);
    await expect(m.createSandbox('../escape')).rejects.toThrow('invalid container id');
  });

  it('replaces what a crash left of an earlier sandbox of the container', async () => {
    const m = await manager();
    const old = await m.connect('bridge', await attach(m, ID1));
    const path = await m.createSandbox(ID1);
    expect(await m.endpoints(ID1)).toEqual([]);
    expect(host.namespaces.get('')!.has(old.hostIfName)).toBe(false);
    expect((await m.connect('bridge', { containerId: ID1, containerName: 'a', netnsPath: path })).ipAddress).toBe(old.ipAddress);
  });
});

describe('reconcile after a restart', () => {
  it('drops what dead containers had and programs again what live ones miss, never twice', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'web' });
    const ports = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 8080 }];
    const live = await m.connect('web', await attach(m, ID1, { ports }));
    const dead = await m.connect('web', await attach(m, ID2, { ports: [{ ...ports[0]!, hostPort: 9090 }] }));

    // ced is killed: its memory (DNS names, held ports) goes; someone deletes the live container's veth meanwhile.
    host.restartProcess();
    await host.links.deleteLink(live.hostIfName);
    const m2 = await manager();
    await m2.reconcile(new Set([ID1]));

    expect(host.namespaces.get('')!.get(live.hostIfName)).toMatchObject({ up: true, master: `ce-${net.Id.slice(0, 12)}` });
    expect(host.namespaces.get(join(dir, 'netns', ID1))!.get('eth0')).toMatchObject({ addresses: ['10.211.0.2/24'], up: true });
    expect(host.routes.get(join(dir, 'netns', ID1))).toEqual([{ dst: 'default', gateway: '10.211.0.1', dev: 'eth0' }]);
    expect(host.portMappings).toEqual(live.ports);
    expect(host.reservedPorts.get(ID1)?.map((p) => p.hostPort)).toEqual([8080]);
    expect([...host.dnsRecords.keys()]).toEqual([`${net.Id}/${ID1}`]);
    expect(host.dnsNetworks.has(net.Id)).toBe(true);

    expect(host.namespaces.get('')!.has(dead.hostIfName)).toBe(false);
    expect(existsSync(join(dir, 'netns', ID2))).toBe(false);
    expect(Object.keys((await m2.inspect('web')).Containers)).toEqual([ID1]);
    expect((await m2.connect('web', await attach(m2, ID2))).ipAddress).toBe(dead.ipAddress);

    // A second reconcile changes nothing.
    const settled = host.snapshot();
    host.restartProcess();
    const m3 = await manager();
    await m3.reconcile(new Set([ID1, ID2]));
    expect(host.snapshot()).toEqual(settled);
  });

  it('keeps a live endpoint whose host port another program took meanwhile', async () => {
    const m = await manager();
    await m.create({ Name: 'web' });
    const ep = await m.connect('web', await attach(m, ID1, { ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }] }));
    host.restartProcess();
    host.busyPorts.add(8080);
    const m2 = await manager();
    await m2.reconcile(new Set([ID1]));
    expect(await m2.endpoints(ID1)).toEqual([ep]);
    expect(host.portMappings).toEqual(ep.ports);
    expect(host.dnsRecords.size).toBe(1);
  });

  it('releases a lease whose connect died before recording its endpoint, and firewall rules nobody owns', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'web', IPAM: { Config: [{ Subnet: '10.80.0.0/24' }] } });
    // What a kill -9 right after the lease was written leaves behind.
    const { Ipam } = await import('../../src/ipam/ipam.js');
    const ipam = new Ipam(join(dir, 'state'));
    await ipam.load();
    await ipam.allocate(net.Id, ID2);
    host.portMappings.push({ protocol: 'tcp', hostIp: '', hostPort: 7000, containerIp: '10.80.0.2', containerPort: 80, bridge: 'x', containerId: ID2 });

    host.restartProcess();
    const m2 = await manager();
    await m2.reconcile(new Set([ID2]));
    expect(host.portMappings).toEqual([]);
    expect((await m2.connect('web', await attach(m2, ID1))).ipAddress).toBe('10.80.0.2');
  });
});
