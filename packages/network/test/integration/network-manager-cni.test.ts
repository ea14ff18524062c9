// Root-only: NetworkManager's cni driver with Debian's plugins (bridge +
// host-local) on the real kernel, in the host's namespace, on a bridge and a
// subnet of this test's own, host-local's leases in the test's folder. No
// ipMasq, firewall or portmap there: those change the host's iptables (and
// firewall and portmap 1.1.1 leave chains behind on DEL). What ADD made must
// be gone after DEL; the bridge, which the bridge plugin never deletes, is
// removed by the test. Published ports (portmap) are tested with the
// plugins' host side in an outer namespace of the test's (the wrapper option).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkManager, netlinkLinkOps, pinnedNetns, type DnsRegistry, type Firewall, type NetlinkLinkOps, type PortReserver } from '../../src/index.js';
import { call, serve } from './support/tcp-probe.js';
import { acceptBridgeForwarding } from '../../../../tools/lib/bridge-forwarding.mjs';

const BIN = '/usr/lib/cni';
const missing = ['bridge', 'host-local'].filter((p) => !existsSync(join(BIN, p)));
const skipReason = process.getuid?.() !== 0 ? 'needs root' : missing.length ? `needs ${missing.join(', ')} in ${BIN} (apt-get install containernetworking-plugins)` : '';

const tag = process.pid % 100000;
const bridge = `cecm${tag}`;
const third = process.pid % 250;
const subnet = `10.217.${third}.0/24`;
const gateway = `10.217.${third}.1`;
const cniName = `ce-it-cnimgr-${tag}`;
const C1 = `c1${'a'.repeat(62)}`;
const C2 = `c2${'b'.repeat(62)}`;

const noFirewall: Firewall = {
  init: async () => {},
  addNetwork: async () => {},
  removeNetwork: async () => {},
  addPortMappings: async () => {},
  removePortMappings: async () => {},
  listPortMappings: async () => [],
  reset: async () => {},
};
const noPorts: PortReserver = { reserve: async (_id, requests) => [...requests], release: async () => {} };
const noDns: DnsRegistry = { addNetwork: async () => {}, removeNetwork: async () => {}, addRecords: () => {}, removeRecords: () => {} };

const outer = `ce-it-cnimgr-o${tag}`;
const outerBridge = `cecp${tag}`;
const outerSubnet = `10.218.${third}.0/24`;
const outerGateway = `10.218.${third}.1`;
const hostPort = 21000 + (tag % 10000);

const portsOf = (dev: string) => (existsSync(`/sys/class/net/${dev}/brif`) ? readdirSync(`/sys/class/net/${dev}/brif`) : []);

describe.skipIf(skipReason !== '')(`NetworkManager's cni driver with Debian's plugins ${skipReason}`, () => {
  let dir: string;
  let links: NetlinkLinkOps;
  const servers: ChildProcess[] = [];
  // Debian's bridge plugin turns the host's IPv4 forwarding on when it is the gateway: put back after.
  const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
  let ipForwardBefore: string;
  let stopAccepting: () => void;

  beforeAll(() => {
    stopAccepting = acceptBridgeForwarding(bridge);
    ipForwardBefore = readFileSync(IP_FORWARD, 'utf8');
    dir = mkdtempSync(join(tmpdir(), 'ce-it-cnimgr-'));
    mkdirSync(join(dir, 'net.d'));
    writeFileSync(
      join(dir, 'net.d', '10-test.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: cniName,
        plugins: [
          {
            type: 'bridge',
            bridge,
            isGateway: true,
            ipMasq: false,
            ipam: { type: 'host-local', ranges: [[{ subnet, gateway }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') },
          },
        ],
      }),
    );
    links = netlinkLinkOps();
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    for (const id of [C1, C2]) await pinnedNetns().remove(join(dir, 'netns', id)).catch(() => undefined);
    await links.deleteLink(bridge).catch(() => undefined);
    links.close();
    try {
      execFileSync('ip', ['netns', 'del', outer], { stdio: 'ignore' });
    } catch {
      // not made
    }
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(IP_FORWARD, ipForwardBefore);
    stopAccepting?.();
    expect(existsSync(`/sys/class/net/${bridge}`)).toBe(false);
  });

  function manager(wrapper?: string[]): NetworkManager {
    return new NetworkManager({
      links,
      netns: pinnedNetns(),
      firewall: noFirewall,
      dns: noDns,
      ports: noPorts,
      stateDir: join(dir, 'state'),
      netnsDir: join(dir, 'netns'),
      defaultBridge: { device: 'none' },
      cni: { confDir: join(dir, 'net.d'), binDirs: [BIN], timeoutMs: 20_000, ...(wrapper ? { wrapper } : {}) },
    });
  }

  it('attaches two containers that reach each other and the gateway; reconcile after a restart DELs the dead one; DEL leaves no veth, lease or cache', async () => {
    const m = manager();
    await m.init();
    const net = await m.create({ Name: 'cni-it', Driver: 'cni', Options: { 'cni.config': cniName } });
    expect(net).toMatchObject({ Driver: 'cni', IPAM: { Driver: 'host-local', Config: [{ Subnet: subnet, Gateway: gateway }] } });

    const ns1 = await m.createSandbox(C1);
    const ns2 = await m.createSandbox(C2);
    const ep1 = await m.connect('cni-it', { containerId: C1, containerName: 'one', netnsPath: ns1 });
    const ep2 = await m.connect('cni-it', { containerId: C2, containerName: 'two', netnsPath: ns2 });
    expect(ep1).toMatchObject({ ifName: 'eth0', prefixLen: 24, gateway, driver: 'cni' });
    expect(ep1.ipAddress.startsWith(`10.217.${third}.`)).toBe(true);
    expect(ep2.ipAddress).not.toBe(ep1.ipAddress);
    expect(ep1.macAddress).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(portsOf(bridge).sort()).toEqual([ep1.hostIfName, ep2.hostIfName].sort());
    // What the plugins made in the container: the address on eth0, lo up, the default route.
    const addrs = JSON.parse(execFileSync('nsenter', [`--net=${ns1}`, 'ip', '-j', 'addr'], { encoding: 'utf8' })) as Array<{ ifname: string; operstate: string; flags: string[]; addr_info: Array<{ local: string }> }>;
    expect(addrs.find((a) => a.ifname === 'eth0')!.addr_info.map((a) => a.local)).toContain(ep1.ipAddress);
    expect(addrs.find((a) => a.ifname === 'lo')!.flags).toContain('UP');
    expect(execFileSync('nsenter', [`--net=${ns1}`, 'ip', 'route'], { encoding: 'utf8' })).toContain(`default via ${gateway} dev eth0`);

    servers.push(await serve(ns1), await serve(ns2));
    expect(call(ns2, ep1.ipAddress)).toBe('pong');
    expect(call(ns1, ep2.ipAddress)).toBe('pong');
    // The gateway is the host, on the bridge: a server there answers the container.
    servers.push(await serve('/proc/self/ns/net', 17000 + (tag % 1000)));
    expect(call(ns1, gateway, 17000 + (tag % 1000))).toBe('pong');

    await expect(m.remove('cni-it')).rejects.toMatchObject({ code: 'PermissionDenied' });
    const leases = () => readdirSync(join(dir, 'ipam', cniName)).filter((f) => /^\d/.test(f));
    expect(leases().sort()).toEqual([ep1.ipAddress, ep2.ipAddress].sort());

    // ced restarts; only C1 still runs.
    const again = manager();
    await again.init();
    await again.reconcile(new Set([C1]));
    expect((await again.endpoints(C1)).map((e) => e.ipAddress)).toEqual([ep1.ipAddress]);
    expect(await again.endpoints(C2)).toEqual([]);
    expect(portsOf(bridge)).toEqual([ep1.hostIfName]);
    expect(leases()).toEqual([ep1.ipAddress]);

    await again.removeSandbox(C1);
    expect(portsOf(bridge)).toEqual([]);
    expect(leases()).toEqual([]);
    expect(readdirSync(join(dir, 'state', 'cni', 'results'))).toEqual([]);
    await again.remove('cni-it');
    expect((await again.list()).map((n) => n.Name).sort()).toEqual(['host', 'none']);
  });

  it('publishes ports through the portmap plugin (the portMappings capability), and DEL takes its rules away', async () => {
    execFileSync('ip', ['netns', 'add', outer]);
    execFileSync('ip', ['-n', outer, 'link', 'set', 'lo', 'up']);
    const file = join(dir, 'ports.conflist');
    writeFileSync(
      file,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: `${cniName}-p`,
        plugins: [
          { type: 'bridge', bridge: outerBridge, isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: outerSubnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') } },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    const m = manager(['ip', 'netns', 'exec', outer]);
    await m.init();
    await m.create({ Name: 'cni-ports', Driver: 'cni', Options: { 'cni.config': file } });
    const ns1 = await m.createSandbox(C1);
    const ep = await m.connect('cni-ports', { containerId: C1, containerName: 'web', netnsPath: ns1, ports: [{ containerPort: 7777, protocol: 'tcp', hostIp: '', hostPort }] });
    expect(ep.ports).toEqual([{ protocol: 'tcp', hostIp: '', hostPort, containerIp: ep.ipAddress, containerPort: 7777, bridge: outerBridge, containerId: C1 }]);
    servers.push(await serve(ns1));
    // The outer namespace plays the host: its own address on the bridge answers on the published port.
    expect(call(`/run/netns/${outer}`, outerGateway, hostPort)).toBe('pong');
    const iptables = () => execFileSync('ip', ['netns', 'exec', outer, 'iptables-save'], { encoding: 'utf8' });
    expect(iptables()).toContain(`--dport ${hostPort}`);

    await m.removeSandbox(C1);
    const after = iptables();
    for (const gone of [C1, `--dport ${hostPort}`, ep.ipAddress]) expect(after).not.toContain(gone);
    expect(readdirSync(join(dir, 'state', 'cni', 'results'))).toEqual([]);
    await m.remove('cni-ports');
  });
});
