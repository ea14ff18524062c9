// LinkOps and NetnsOps against the real kernel: a bridge in the host's
// namespace, two pinned namespaces each with a veth pair whose peer is eth0
// inside, addresses, default routes and hairpin, checked with `ip -j`, and
// TCP between the two namespaces. Everything made is removed in afterEach.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCeError } from '@ce/protocol/errors';
import { netlinkLinkOps, pinnedNetns, type NetlinkLinkOps } from '../../src/index.js';
import { acceptBridgeForwarding } from '../../../../tools/lib/bridge-forwarding.mjs';

const root = process.getuid?.() === 0;
const id = process.pid % 100000;
const subnet = `10.213.${process.pid % 250}`;
const bridge = `cenlbr${id}`;
const hostEnd = (n: number) => `cenlv${id}${n}`;

function ip(netns: string | undefined, ...args: string[]): unknown {
  const argv = netns ? ['--net=' + netns, 'ip', '-j', '-d', ...args] : ['ip', '-j', '-d', ...args];
  const out = execFileSync(netns ? 'nsenter' : 'ip', netns ? argv : argv.slice(1), { encoding: 'utf8' });
  return JSON.parse(out || '[]');
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // best-effort cleanup
  }
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!root)('rtnetlink LinkOps and pinned namespaces (needs root)', () => {
  let dir: string;
  let ns: string[];
  let links: NetlinkLinkOps;
  const netns = pinnedNetns();
  const children: ChildProcess[] = [];
  let stopAccepting: () => void;

  beforeAll(() => {
    stopAccepting = acceptBridgeForwarding(bridge);
  });

  afterAll(() => stopAccepting?.());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-netlink-'));
    ns = [join(dir, 'a'), join(dir, 'b')];
    links = netlinkLinkOps();
    for (const path of ns) await netns.create(path);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    links.close();
    for (const name of [hostEnd(0), hostEnd(1), bridge]) quietly(() => execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' }));
    for (const path of ns) await netns.remove(path);
    rmSync(dir, { recursive: true, force: true });
  });

  async function attach(n: number): Promise<void> {
    await links.createVethPair(hostEnd(n), 'eth0', ns[n]!, { mtu: 1450, peerMac: `02:42:0a:d5:00:0${n + 2}` });
    await links.setMaster(hostEnd(n), bridge);
    await links.setHairpin(hostEnd(n), true);
    await links.setUp(hostEnd(n));
    await links.setUp('lo', ns[n]);
    await links.setUp('eth0', ns[n]);
    await links.addAddress('eth0', `${subnet}.${n + 2}/24`, ns[n]);
    await links.addRoute({ dst: 'default', gateway: `${subnet}.1` }, ns[n]);
  }

  it('sets up a bridge and two containers’ link sides that reach each other', async () => {
    await links.createBridge(bridge, { mtu: 1450 });
    await links.addAddress(bridge, `${subnet}.1/24`);
    await links.setUp(bridge);
    await attach(0);
    await attach(1);

    const [br] = ip(undefined, 'link', 'show', bridge) as Array<{ mtu: number; linkinfo: { info_kind: string } }>;
    expect(br).toMatchObject({ mtu: 1450, linkinfo: { info_kind: 'bridge' } });
    const [port] = ip(undefined, 'link', 'show', hostEnd(0)) as Array<Record<string, any>>;
    expect(port).toMatchObject({ master: bridge, mtu: 1450, linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge', info_slave_data: { hairpin: true } } });
    expect(port!.flags).toContain('UP');
    const [eth0] = ip(ns[1], 'addr', 'show', 'eth0') as Array<Record<string, any>>;
    expect(eth0).toMatchObject({ ifname: 'eth0', address: '02:42:0a:d5:00:03', mtu: 1450 });
    expect(eth0!.addr_info).toContainEqual(expect.objectContaining({ family: 'inet', local: `${subnet}.3`, prefixlen: 24, broadcast: `${subnet}.255` }));
    expect(ip(ns[1], 'route', 'show', 'default')).toEqual([expect.objectContaining({ dst: 'default', gateway: `${subnet}.1`, dev: 'eth0' })]);
    const [brAddr] = ip(undefined, 'addr', 'show', bridge) as Array<Record<string, any>>;
    expect(brAddr!.addr_info).toContainEqual(expect.objectContaining({ local: `${subnet}.1`, prefixlen: 24 }));

    // What LinkOps itself reads back.
    expect(await links.getLink(hostEnd(0))).toMatchObject({ name: hostEnd(0), kind: 'veth', master: bridge, up: true, mtu: 1450 });
    expect(await links.getLink('eth0', ns[0])).toMatchObject({ name: 'eth0', kind: 'veth', mac: '02:42:0a:d5:00:02', up: true });
    expect((await links.listLinks(ns[0])).map((l) => l.name).sort()).toEqual(['eth0', 'lo']);
    expect(await links.listAddresses('eth0', ns[0])).toEqual([`${subnet}.2/24`]);
    expect(await links.listRoutes(ns[0])).toEqual(
      expect.arrayContaining([{ dst: 'default', gateway: `${subnet}.1`, dev: 'eth0' }, { dst: `${subnet}.0/24`, dev: 'eth0' }]),
    );
    expect(await links.getLink('nosuchlink0')).toBeNull();

    // Adding again is nothing to do.
    await links.addAddress('eth0', `${subnet}.2/24`, ns[0]);
    await links.addRoute({ dst: 'default', gateway: `${subnet}.1` }, ns[0]);

    // TCP from namespace a to namespace b, through the bridge.
    const server = spawn('nsenter', [`--net=${ns[1]}`, process.execPath, '-e', `require('net').createServer((s) => s.end('pong')).listen(7777, '${subnet}.3', () => console.log('ready'))`]);
    children.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const reply = execFileSync(
      'nsenter',
      [`--net=${ns[0]}`, process.execPath, '-e', `require('net').connect(7777, '${subnet}.3').on('data', (d) => process.stdout.write(d))`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(reply).toBe('pong');
  });

  it('keeps the bridge\'s own MAC address as ports come and go (the containers\' ARP entries for the gateway stay true)', async () => {
    await links.createBridge(bridge);
    const mac = (await links.getLink(bridge))!.mac;
    expect(readFileSync(`/sys/class/net/${bridge}/addr_assign_type`, 'utf8').trim()).toBe('3'); // NET_ADDR_SET
    await links.createVethPair(hostEnd(0), 'eth0', ns[0]!);
    await links.setMaster(hostEnd(0), bridge);
    await links.createVethPair(hostEnd(1), 'eth0', ns[1]!);
    await links.setMaster(hostEnd(1), bridge);
    await links.deleteLink(hostEnd(0));
    expect((await links.getLink(bridge))!.mac).toBe(mac);
  });

  it('says which name is taken, which link is missing, and deletes quietly', async () => {
    await links.createBridge(bridge);
    expect(await rejection(links.createBridge(bridge))).toMatchObject({ code: 'AlreadyExists', message: `link ${bridge} already exists` });
    await links.createVethPair(hostEnd(0), 'eth0', ns[0]!);
    expect(await rejection(links.createVethPair(hostEnd(1), 'eth0', ns[0]!))).toMatchObject({
      code: 'AlreadyExists',
      message: `link eth0 already exists in network namespace ${ns[0]}`,
    });
    expect(await links.getLink(hostEnd(1))).toBeNull(); // nothing left half-made
    expect(await rejection(links.setMaster('nosuchlink0', bridge))).toMatchObject({ code: 'NotFound', message: 'link nosuchlink0 not found' });
    expect(await rejection(links.setMaster(hostEnd(0), 'nosuchbr0'))).toMatchObject({ code: 'NotFound', message: 'bridge nosuchbr0 not found' });
    expect(await rejection(links.setHairpin(hostEnd(0), true))).toMatchObject({ code: 'FailedPrecondition' });
    expect(await rejection(links.addAddress('eth0', '10.0.0.1', ns[0]))).toMatchObject({ code: 'InvalidArgument' });
    expect(await rejection(links.setUp('eth0', join(dir, 'missing')))).toMatchObject({ code: 'NotFound' });
    const err = await rejection(links.addRoute({ dst: '10.213.0.0/16', gateway: '192.0.2.1' }, ns[0]));
    expect(isCeError(err, 'InvalidArgument')).toBe(true); // the gateway is unreachable
    expect(String((err as Error).message)).toMatch(/^add route 10.213.0.0\/16 via 192.0.2.1 in network namespace .*: network is unreachable/);

    await links.deleteLink(hostEnd(0));
    expect(await links.getLink('eth0', ns[0])).toBeNull(); // the peer went with it
    await links.deleteLink(hostEnd(0));
  });

  it('writes sysctls inside the namespace and refuses keys outside net.', async () => {
    await links.createVethPair(hostEnd(0), 'eth0', ns[0]!);
    await netns.setSysctl(ns[0]!, 'net.ipv4.conf.eth0.route_localnet', '1');
    const read = (key: string) => execFileSync('nsenter', [`--net=${ns[0]}`, 'cat', `/proc/sys/net/ipv4/conf/${key}/route_localnet`], { encoding: 'utf8' }).trim();
    expect(read('eth0')).toBe('1');
    expect(await rejection(netns.setSysctl(ns[0]!, 'kernel.hostname', 'x'))).toMatchObject({ code: 'InvalidArgument' });
    expect(await rejection(netns.setSysctl(ns[0]!, 'net.ipv4.conf.nosuch0.route_localnet', '1'))).toMatchObject({
      code: 'InvalidArgument',
      message: `sysctl net.ipv4.conf.nosuch0.route_localnet does not exist in network namespace ${ns[0]}`,
    });
    expect(await rejection(netns.create(ns[0]!))).toMatchObject({ code: 'AlreadyExists' });
  });
});
