// Root-only: NetworkManager over the real rtnetlink LinkOps and pinned
// namespaces, with a firewall, port reserver and DNS that do nothing. Every
// name, subnet and folder is unique to this process; the default bridge is
// off ('none') so ce0 is never touched. Traffic goes only between the
// namespaces the test made (TCP: there is no ping on the test machines).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  NetworkManager,
  netlinkLinkOps,
  pinnedNetns,
  type DnsRegistry,
  type Firewall,
  type NetlinkLinkOps,
  type PortReserver,
} from '../../src/index.js';
import { call, serve } from './support/tcp-probe.js';
import { acceptBridgeForwarding } from '../../../../tools/lib/bridge-forwarding.mjs';

const root = process.getuid?.() === 0;
const tag = process.pid % 100000;
const bridge = `cemt${tag}`;
const subnet = `10.216.${process.pid % 250}`;
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

function hostLinks(): string[] {
  return JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })).map((l: { ifname: string }) => l.ifname);
}

describe.skipIf(!root)('NetworkManager on the real kernel (root)', () => {
  let dir: string;
  let links: NetlinkLinkOps;
  let servers: ChildProcess[];
  let stopAccepting: () => void;

  beforeAll(() => {
    stopAccepting = acceptBridgeForwarding(bridge);
  });

  afterAll(() => stopAccepting?.());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-it-netmgr-'));
    links = netlinkLinkOps();
    servers = [];
  });

  afterEach(async () => {
    for (const s of servers) s.kill('SIGKILL');
    // Whatever a failed test left: the namespaces (taking their veth ends), then the bridge.
    for (const id of [C1, C2]) await pinnedNetns().remove(join(dir, 'netns', id)).catch(() => undefined);
    await links.deleteLink(bridge).catch(() => undefined);
    links.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function manager(): NetworkManager {
    return new NetworkManager({
      links,
      netns: pinnedNetns(),
      firewall: noFirewall,
      dns: noDns,
      ports: noPorts,
      stateDir: join(dir, 'state'),
      netnsDir: join(dir, 'netns'),
      defaultBridge: { device: 'none' },
    });
  }

  async function twoContainersOnOneNetwork() {
    const m = manager();
    await m.init();
    await m.create({ Name: `it-${tag}`, IPAM: { Config: [{ Subnet: `${subnet}.0/24` }] }, Options: { 'com.docker.network.bridge.name': bridge } });
    const ns1 = await m.createSandbox(C1);
    const ns2 = await m.createSandbox(C2);
    const ep1 = await m.connect(`it-${tag}`, { containerId: C1, containerName: 'one', netnsPath: ns1 });
    const ep2 = await m.connect(`it-${tag}`, { containerId: C2, containerName: 'two', netnsPath: ns2 });
    return { m, ns1, ns2, ep1, ep2 };
  }

  it('joins two sandboxes on one network, which reach each other, and takes it all down', async () => {
    const { m, ns1, ns2, ep1, ep2 } = await twoContainersOnOneNetwork();
    expect([ep1.ipAddress, ep2.ipAddress]).toEqual([`${subnet}.2`, `${subnet}.3`]);

    expect(await links.getLink(ep1.hostIfName)).toMatchObject({ kind: 'veth', up: true, master: bridge });
    expect(await links.getLink('eth0', ns1)).toMatchObject({ up: true, mac: ep1.macAddress });
    expect(await links.listAddresses('eth0', ns2)).toEqual([`${subnet}.3/24`]);
    expect(await links.listRoutes(ns1)).toContainEqual(expect.objectContaining({ dst: 'default', gateway: `${subnet}.1` }));

    servers.push(await serve(ns1), await serve(ns2));
    expect(call(ns2, ep1.ipAddress)).toBe('pong');
    expect(call(ns1, ep2.ipAddress)).toBe('pong');
    for (const s of servers) s.kill('SIGKILL');

    await m.removeSandbox(C1);
    await m.removeSandbox(C2);
    await m.remove(`it-${tag}`);
    const left = hostLinks();
    expect(left).not.toContain(bridge);
    expect(left).not.toContain(ep1.hostIfName);
    expect(left).not.toContain(ep2.hostIfName);
    expect(existsSync(ns1) || existsSync(ns2)).toBe(false);
  });

  it('after a restart, keeps the live sandbox working and removes the dead one', async () => {
    const { m, ns1, ns2, ep1, ep2 } = await twoContainersOnOneNetwork();
    // Someone removed the live container's host end while ced was down.
    await links.deleteLink(ep1.hostIfName);

    const restarted = manager();
    await restarted.init();
    await restarted.reconcile(new Set([C1]));
    expect(existsSync(ns2)).toBe(false);
    expect(hostLinks()).not.toContain(ep2.hostIfName);
    expect(await links.getLink(ep1.hostIfName)).toMatchObject({ up: true, master: bridge });
    expect(await links.listAddresses('eth0', ns1)).toEqual([`${subnet}.2/24`]);
    const ns3 = await restarted.createSandbox(C2);
    await restarted.connect(`it-${tag}`, { containerId: C2, containerName: 'two', netnsPath: ns3 });
    servers.push(await serve(ns1));
    expect(call(ns3, ep1.ipAddress)).toBe('pong');

    await restarted.removeSandbox(C1);
    await restarted.removeSandbox(C2);
    await restarted.remove(`it-${tag}`);
    expect(hostLinks()).not.toContain(bridge);
  });
});
