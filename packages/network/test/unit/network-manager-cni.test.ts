// The network manager's cni driver over fake plugins (shell scripts that
// record their calls): create reads and checks the configuration list,
// connect runs ADD and builds the endpoint from the result, disconnect and
// removeSandbox run DEL, reconcile DELs what dead containers left.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkManager, type NetworkManagerOptions } from '../../src/index.js';
import { fakeBin, type FakeBin } from './cni/fake-plugins.js';
import { FakeHost } from './fake-host.js';

const ID1 = '1'.repeat(64);
const ID2 = '2'.repeat(64);

let dir: string;
let confDir: string;
let host: FakeHost;
let fb: FakeBin;

function addResult(netns: string, address = '10.99.0.5/24') {
  return {
    cniVersion: '1.0.0',
    interfaces: [
      { name: 'cnitest0', mac: '0a:00:00:00:00:01' },
      { name: 'veth1234', mac: '0a:00:00:00:00:02' },
      { name: 'eth0', mac: '0a:00:00:00:00:03', sandbox: netns },
    ],
    ips: [{ address, gateway: '10.99.0.1', interface: 2 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.99.0.1' }],
  };
}

function conflist(over: Record<string, unknown> = {}, ports = true): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'testnet',
    plugins: [
      { type: 'fakebridge', bridge: 'cnitest0', ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24', gateway: '10.99.0.1' }]] } },
      ...(ports ? [{ type: 'fakeportmap', capabilities: { portMappings: true } }] : []),
    ],
    ...over,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ce-test-netmgr-cni-'));
  confDir = join(dir, 'net.d');
  mkdirSync(confDir);
  writeFileSync(join(confDir, '10-test.conflist'), conflist());
  host = new FakeHost();
  fb = await fakeBin();
  await fb.plugin('fakebridge');
  await fb.plugin('fakeportmap');
});
afterEach(async () => {
  await fb.cleanup();
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
    cni: { confDir, binDirs: [fb.bin] },
    ...extra,
  });
  await m.init();
  return m;
}

/** The prepared ADD answers for the container whose sandbox is made now. */
async function sandbox(m: NetworkManager, id: string, address?: string): Promise<string> {
  const path = await m.createSandbox(id);
  await fb.answer('fakebridge', 'ADD', addResult(path, address));
  await fb.answer('fakeportmap', 'ADD', addResult(path, address));
  return path;
}

const cacheFiles = () => (existsSync(join(dir, 'state/cni/results')) ? readdirSync(join(dir, 'state/cni/results')) : []);

describe('cni networks: create', () => {
  it('reads the configuration list by name from the config dir; inspect shows driver cni and the IPAM of the list', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    expect(net).toMatchObject({
      Name: 'mycni',
      Driver: 'cni',
      IPAM: { Driver: 'host-local', Options: null, Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }] },
      Options: { 'cni.config': 'testnet' },
      Containers: {},
    });
    expect(await fb.calls()).toEqual(['fakebridge VERSION', 'fakeportmap VERSION']);
    expect((await m.list({ driver: ['cni'] })).map((n) => n.Name)).toEqual(['mycni']);
    // The list is kept: the network outlives edits of the file.
    rmSync(join(confDir, '10-test.conflist'));
    expect((await (await manager()).inspect('mycni')).IPAM.Config).toEqual([{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }]);
  });

  it('takes an absolute path to a file; a .conf is a list of one', async () => {
    const file = join(dir, 'one.conf');
    writeFileSync(file, JSON.stringify({ cniVersion: '0.4.0', name: 'single', type: 'fakebridge', ipam: { type: 'host-local', subnet: '10.98.0.0/16' } }));
    const m = await manager();
    const net = await m.create({ Name: 'one', Driver: 'cni', Options: { 'cni.config': file } });
    expect(net.IPAM.Config).toEqual([{ Subnet: '10.98.0.0/16' }]);
  });

  it('refuses bad options and bad lists with errors naming the option, file and field', async () => {
    const m = await manager();
    const create = (Options: Record<string, string>, more = {}) => m.create({ Name: 'x', Driver: 'cni', Options, ...more });
    await expect(create({})).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('needs --opt cni.config=') });
    await expect(create({ 'cni.config': 'nosuch' })).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining(`no CNI network configuration named "nosuch" in ${confDir}`) });
    await expect(create({ 'cni.config': 'relative/x.conflist' })).rejects.toThrow('a path must be absolute');
    await expect(create({ 'cni.config': '/etc/passwd' })).rejects.toThrow('a CNI configuration file ends in .conflist, .conf, .json');
    await expect(create({ 'cni.config': 'testnet', 'com.docker.network.driver.mtu': '1400' })).rejects.toThrow('option com.docker.network.driver.mtu does not apply to a CNI network');
    await expect(create({ 'cni.config': 'testnet' }, { IPAM: { Config: [{ Subnet: '10.5.0.0/16' }] } })).rejects.toThrow('--subnet');
    await expect(create({ 'cni.config': 'testnet' }, { Internal: true })).rejects.toThrow('--internal does not apply to a CNI network');

    const bad = join(dir, 'bad.conflist');
    writeFileSync(bad, JSON.stringify({ cniVersion: '1.0.0', name: 'bad', plugins: [{ bridge: 'x' }] }));
    await expect(create({ 'cni.config': bad })).rejects.toMatchObject({ code: 'InvalidArgument', message: `${bad}: plugins[0].type: required` });
    writeFileSync(bad, JSON.stringify({ cniVersion: '1.0.0', name: 'bad', plugins: [{ type: 'notinstalled' }] }));
    await expect(create({ 'cni.config': bad })).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining(`CNI network "bad" (${bad}): failed to find plugin "notinstalled"`) });
    expect((await m.list()).map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
  });

  it('refuses a second network on the same CNI network, and a subnet that overlaps another network', async () => {
    const m = await manager();
    await m.create({ Name: 'a', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    await expect(m.create({ Name: 'b', Driver: 'cni', Options: { 'cni.config': 'testnet' } })).rejects.toThrow('network a uses the CNI network "testnet" already');
    await expect(m.create({ Name: 'br', IPAM: { Config: [{ Subnet: '10.99.0.0/16' }] } })).rejects.toThrow('Pool overlaps with other one on this address space');
    const file = join(dir, 'other.conflist');
    writeFileSync(file, conflist({ name: 'other' }));
    await expect(m.create({ Name: 'c', Driver: 'cni', Options: { 'cni.config': file } })).rejects.toThrow(`${file}: subnet 10.99.0.0/24 overlaps with the subnet of another network`);

  });

  it("refuses a bridge plugin's device that another network uses, either way round", async () => {
    await fb.plugin('bridge');
    const m = await manager();
    const file = join(dir, 'br.conflist');
    writeFileSync(file, JSON.stringify({ cniVersion: '1.0.0', name: 'br', plugins: [{ type: 'bridge', bridge: 'cetestbr', ipam: { type: 'host-local', subnet: '10.97.0.0/24' } }] }));
    await m.create({ Name: 'ce-net', IPAM: { Config: [{ Subnet: '10.96.0.0/24' }] }, Options: { 'com.docker.network.bridge.name': 'cetestbr' } });
    await expect(m.create({ Name: 'cni-net', Driver: 'cni', Options: { 'cni.config': file } })).rejects.toThrow(`${file}: bridge cetestbr is the bridge of network ce-net: networks have same bridge name`);
    await m.remove('ce-net');
    await m.create({ Name: 'cni-net', Driver: 'cni', Options: { 'cni.config': file } });
    await expect(m.create({ Name: 'ce-net', Options: { 'com.docker.network.bridge.name': 'cetestbr' } })).rejects.toThrow('networks have same bridge name');
  });
});

describe('cni networks: containers', () => {
  it('connect runs ADD with the published ports as portMappings and returns the endpoint of the result; disconnect runs DEL', async () => {
    const m = await manager();
    await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    const ns = await sandbox(m, ID1);
    const ep = await m.connect('mycni', {
      containerId: ID1,
      containerName: 'web',
      netnsPath: ns,
      aliases: ['www'],
      ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }],
    });
    expect(ep).toMatchObject({
      networkName: 'mycni',
      containerId: ID1,
      ifName: 'eth0',
      hostIfName: 'veth1234',
      ipAddress: '10.99.0.5',
      prefixLen: 24,
      gateway: '10.99.0.1',
      macAddress: '0a:00:00:00:00:03',
      aliases: ['www'],
      driver: 'cni',
    });
    expect(ep.dnsServer).toBeUndefined();
    const hostPort = ep.ports[0]!.hostPort;
    expect(ep.ports).toEqual([{ protocol: 'tcp', hostIp: '', hostPort, containerIp: '10.99.0.5', containerPort: 80, bridge: 'cnitest0', containerId: ID1 }]);
    expect(host.reservedPorts.get(ID1)).toHaveLength(1);
    const env = await fb.env('fakebridge', 'ADD');
    expect(env).toMatchObject({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: ID1, CNI_NETNS: ns, CNI_IFNAME: 'eth0' });
    expect((await fb.stdin('fakeportmap', 'ADD'))['runtimeConfig']).toEqual({ portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] });
    expect((await m.inspect('mycni')).Containers[ID1]).toEqual({ Name: 'web', EndpointID: ep.id, MacAddress: '0a:00:00:00:00:03', IPv4Address: '10.99.0.5/24', IPv6Address: '' });
    expect(cacheFiles()).toEqual([`testnet-${ID1}-eth0`]);

    await expect(m.remove('mycni')).rejects.toMatchObject({ code: 'PermissionDenied', message: expect.stringContaining('has active endpoints') });
    await m.disconnect('mycni', ID1);
    expect((await fb.calls()).slice(-2)).toEqual(['fakeportmap DEL', 'fakebridge DEL']);
    // DEL gets the ADD's capability arguments from the cache.
    expect((await fb.stdin('fakeportmap', 'DEL'))['runtimeConfig']).toEqual({ portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] });
    expect(host.reservedPorts.has(ID1)).toBe(false);
    expect(cacheFiles()).toEqual([]);
    expect(await m.endpoints(ID1)).toEqual([]);
    await m.remove('mycni');
    expect((await m.list()).map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
  });

  it('a failed ADD leaves nothing: no endpoint, no held port, no cache', async () => {
    const m = await manager();
    await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    const ns = await sandbox(m, ID1);
    await fb.answer('fakeportmap', 'ADD', { cniVersion: '1.0.0', code: 11, msg: 'try again later' }, 1);
    await expect(m.connect('mycni', { containerId: ID1, containerName: 'web', netnsPath: ns, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }] })).rejects.toThrow(
      'try again later',
    );
    expect((await fb.calls()).slice(-2)).toEqual(['fakeportmap DEL', 'fakebridge DEL']);
    expect(await m.endpoints(ID1)).toEqual([]);
    expect(host.reservedPorts.has(ID1)).toBe(false);
    expect(cacheFiles()).toEqual([]);
  });

  it('refuses what the chain cannot do: ports without a portMappings plugin, --ip without the ips capability', async () => {
    writeFileSync(join(confDir, '20-noports.conflist'), conflist({ name: 'noports' }, false));
    const m = await manager();
    await m.create({ Name: 'plain', Driver: 'cni', Options: { 'cni.config': 'noports' } });
    const ns = await sandbox(m, ID1);
    const req = { containerId: ID1, containerName: 'web', netnsPath: ns };
    await expect(m.connect('plain', { ...req, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }] })).rejects.toThrow(
      `publishing ports on CNI network plain: no plugin of ${join(confDir, '20-noports.conflist')} declares the "portMappings" capability (e.g. portmap`,
    );
    await expect(m.connect('plain', { ...req, ipv4Address: '10.99.0.9' })).rejects.toThrow('declares the "ips" capability');
    await expect(m.connect('plain', { ...req, ipv4Address: '10.99.0' })).rejects.toThrow('invalid IPv4 address: 10.99.0');
    await expect(m.connect('plain', { ...req, macAddress: '02:42:0a:63:00:09' })).rejects.toThrow('declares the "mac" capability');
    expect((await fb.calls()).filter((c) => c.endsWith('ADD'))).toEqual([]);
  });

  it('passes --ip and --mac-address as the ips and mac capabilities to the plugins that declare them', async () => {
    const file = join(dir, 'static.conflist');
    writeFileSync(file, conflist({ name: 'static', plugins: [{ type: 'fakebridge', capabilities: { ips: true, mac: true }, ipam: { type: 'host-local', subnet: '10.95.0.0/24' } }] }));
    const m = await manager();
    await m.create({ Name: 'static', Driver: 'cni', Options: { 'cni.config': file } });
    const ns = await sandbox(m, ID1);
    await m.connect('static', { containerId: ID1, containerName: 'web', netnsPath: ns, ipv4Address: '10.95.0.9', macAddress: '02:42:0A:5F:00:09' });
    expect((await fb.stdin('fakebridge', 'ADD'))['runtimeConfig']).toEqual({ ips: ['10.95.0.9'], mac: '02:42:0a:5f:00:09' });
  });

  it('removeSandbox DELs the container from its CNI networks', async () => {
    const m = await manager();
    await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    const ns = await sandbox(m, ID1);
    await m.connect('mycni', { containerId: ID1, containerName: 'web', netnsPath: ns });
    await m.removeSandbox(ID1);
    expect((await fb.calls()).slice(-2)).toEqual(['fakeportmap DEL', 'fakebridge DEL']);
    expect(await fb.env('fakebridge', 'DEL')).toMatchObject({ CNI_NETNS: ns, CNI_CONTAINERID: ID1 });
    expect(cacheFiles()).toEqual([]);
  });

  it('reconcile fills in a live endpoint that a crash between ADD and its record left empty, from the cached result', async () => {
    const m = await manager();
    const net = await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    const ns = await sandbox(m, ID1);
    await m.connect('mycni', { containerId: ID1, containerName: 'one', netnsPath: ns });
    const file = join(dir, 'state', 'endpoints', `${net.Id}-${ID1}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(record.endpoint, { ipAddress: '', prefixLen: 0, gateway: '', macAddress: '', hostIfName: '' });
    writeFileSync(file, JSON.stringify(record));

    const again = await manager();
    await again.reconcile(new Set([ID1]));
    expect(await again.endpoints(ID1)).toEqual([expect.objectContaining({ ipAddress: '10.99.0.5', prefixLen: 24, gateway: '10.99.0.1', macAddress: '0a:00:00:00:00:03', hostIfName: 'veth1234' })]);
    expect((await fb.calls()).filter((c) => c.endsWith('DEL'))).toEqual([]);
  });

  it('reconcile keeps live containers (ports held again), DELs dead ones and cached attachments no endpoint owns', async () => {
    const m = await manager();
    await m.create({ Name: 'mycni', Driver: 'cni', Options: { 'cni.config': 'testnet' } });
    const ns1 = await sandbox(m, ID1);
    await m.connect('mycni', { containerId: ID1, containerName: 'one', netnsPath: ns1, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }] });
    const ns2 = await sandbox(m, ID2, '10.99.0.6/24');
    await m.connect('mycni', { containerId: ID2, containerName: 'two', netnsPath: ns2 });
    // A crash after ADD, before the endpoint record was written: a cache entry of a third container.
    const orphan = 'f'.repeat(64);
    const results = join(dir, 'state/cni/results');
    writeFileSync(join(results, `testnet-${orphan}-eth0`), JSON.stringify({ kind: 'cniCacheV1', containerId: orphan, config: '', ifName: 'eth0', networkName: 'testnet', result: addResult('/gone') }));

    host.restartProcess();
    const again = await manager();
    const before = (await fb.calls()).length;
    await again.reconcile(new Set([ID1]));
    const dels = (await fb.calls()).slice(before);
    expect(dels).toEqual(['fakeportmap DEL', 'fakebridge DEL', 'fakeportmap DEL', 'fakebridge DEL']);
    expect((await again.endpoints(ID1)).map((e) => e.ipAddress)).toEqual(['10.99.0.5']);
    expect(await again.endpoints(ID2)).toEqual([]);
    expect(host.reservedPorts.get(ID1)?.map((p) => p.hostPort)).toEqual([8080]);
    expect(cacheFiles()).toEqual([`testnet-${ID1}-eth0`]);
    expect(Object.keys((await again.inspect('mycni')).Containers)).toEqual([ID1]);
  });
});
