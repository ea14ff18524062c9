// Issue 10's acceptance on published ports, with the real ce and ced and
// busybox containers on a user network: `-p host:80`, `-p 127.0.0.1::80` and
// `-P` answer from the host's loopback, from the host's own address and from
// containers (hairpin through the host's address); a host port in use is
// refused in Docker's words with nothing left; stop and rm take every rule,
// veth, DNS name and address lease with them. Traffic goes only to loopback,
// the host's own address and the test's containers.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { networkContainers, NO_FORWARD, SERVE_FILE } from './support/network-containers.js';
import { freePort, hostAddress, httpGet, httpGetOnce, iptablesRules, vethsOnBridge } from './support/network-probes.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const { run, ok, runDetached, wgetBody, leases } = networkContainers(() => daemon, ids);
const EXPOSING_IMAGE = 'ce-e2e/exposing:latest';
const host = hostAddress();
const sockets: Server[] = [];

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP socket of the test holding a free port on every address. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  sockets.push(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '0.0.0.0', () => resolve()));
  return { port: (server.address() as { port: number }).port, server };
}

let network: { name: string; id: string; bridge: string } | undefined;
async function userNetwork(): Promise<{ name: string; id: string; bridge: string }> {
  if (!network) {
    const bridge = `${daemon.network.bridge}p`;
    const id = (await ok(['network', 'create', '-o', `com.docker.network.bridge.name=${bridge}`, 'pub'])).trim();
    network = { name: 'pub', id, bridge };
  }
  return network;
}

const rulesMentioning = (...needles: string[]) => iptablesRules(daemon.network.chainPrefix).filter((r) => needles.some((n) => r.includes(n)));

async function hostPortOf(container: string, port: string): Promise<{ ip: string; port: number }> {
  const out = (await ok(['port', container, port])).trim().split('\n')[0]!;
  const [ip, p] = [out.slice(0, out.lastIndexOf(':')), Number(out.slice(out.lastIndexOf(':') + 1))];
  return { ip, port: p };
}

/** What `ce rm` must leave of a container that was on `net`: no rule, lease or namespace (its veth: see the callers). */
function expectNothingLeftOf(id: string, ip: string, net: { id: string }) {
  expect(rulesMentioning(id, `${ip}/32`, `${ip}:`)).toEqual([]);
  expect(Object.values(leases(net.id))).not.toContain(id);
  expect(leases(net.id)[ip]).toBeUndefined();
  expect(existsSync(join(daemon.state, 'netns', id))).toBe(false);
}

describe('published ports', () => {
  it.skipIf(!host)('-p <host port>:80 answers from loopback, from the host\'s address and from containers, and goes with rm -f', async () => {
    const net = await userNetwork();
    const vethsBefore = vethsOnBridge(net.bridge);
    const hostPort = await freePort();
    const web = await runDetached(['--name', 'web', '--network', net.name, '-p', `${hostPort}:80`, 'busybox', ...SERVE_FILE]);
    const client = await runDetached(['--name', 'client', '--network', net.name, ...NO_FORWARD, 'busybox', 'sleep', '300']);
    const c = await inspectContainer(daemon.socket, web);
    const ip = c.NetworkSettings.Networks[net.name].IPAddress as string;
    const body = `hello from ${c.Config.Hostname}\n`;
    expect(c.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }] });
    expect(await ok(['port', web])).toBe(`80/tcp -> 0.0.0.0:${hostPort}\n`);

    expect(await httpGet('127.0.0.1', hostPort, '/file')).toBe(body);
    expect(await httpGet(host!, hostPort, '/file')).toBe(body);
    // Another container, and the container itself, through the host's address (hairpin).
    expect(await wgetBody(client, `http://${host}:${hostPort}/file`)).toBe(body);
    expect(await wgetBody(web, `http://${host}:${hostPort}/file`)).toBe(body);
    expect(rulesMentioning(web).length).toBeGreaterThan(0);

    expect(await run(['rm', '-f', web])).toMatchObject({ code: 0 });
    expectNothingLeftOf(web, ip, net);
    expect(vethsOnBridge(net.bridge)).toHaveLength(vethsBefore.length + 1); // the client's
    await expect(httpGetOnce('127.0.0.1', hostPort, '/file', 1000)).rejects.toThrow();
    const lookup = await run(['exec', client, 'nslookup', 'web']);
    expect(lookup.stdout).not.toContain(ip);
    expect(await ok(['rm', '-f', client])).toBe(`${client}\n`);
    expect(vethsOnBridge(net.bridge)).toEqual(vethsBefore);
  });

  it.skipIf(!host)('-p 127.0.0.1::80 answers on loopback only, on the port ce port shows', async () => {
    const net = await userNetwork();
    const web = await runDetached(['--network', net.name, '-p', '127.0.0.1::80', 'busybox', ...SERVE_FILE]);
    const published = await hostPortOf(web, '80');
    expect(published.ip).toBe('127.0.0.1');
    expect((await httpGet('127.0.0.1', published.port, '/file')).startsWith('hello from ')).toBe(true);
    await expect(httpGetOnce(host!, published.port, '/file', 2000)).rejects.toThrow();
    expect(await ok(['rm', '-f', web])).toBe(`${web}\n`);
    expect(rulesMentioning(web)).toEqual([]);
  });

  it.skipIf(!host)("-P publishes the image's EXPOSEd ports on free host ports", async () => {
    await importBusyboxImage(daemon.socket, EXPOSING_IMAGE, { ExposedPorts: { '80/tcp': {} } });
    const net = await userNetwork();
    const web = await runDetached(['--network', net.name, '-P', EXPOSING_IMAGE, ...SERVE_FILE]);
    const published = await hostPortOf(web, '80/tcp');
    expect(published.ip).toBe('0.0.0.0');
    expect(published.port).toBeGreaterThan(0);
    expect((await httpGet('127.0.0.1', published.port, '/file')).startsWith('hello from ')).toBe(true);
    expect((await httpGet(host!, published.port, '/file')).startsWith('hello from ')).toBe(true);
    expect(await ok(['rm', '-f', web])).toBe(`${web}\n`);
    expect(rulesMentioning(web)).toEqual([]);
  });

  it("refuses a host port in use, by a socket or by another container, in Docker's words, and leaves nothing", async () => {
    const net = await userNetwork();
    const vethsBefore = vethsOnBridge(net.bridge);
    const leasesBefore = leases(net.id);

    // The first line is Docker's; Docker's run adds no "See '… run --help'." after an error at start, ce's
    // does (packages/cli's run), so only that line is compared.
    const held = await holdPort();
    const bySocket = await run(['run', '-d', '--name', 'busy1', '--network', net.name, '-p', `${held.port}:80`, 'busybox', 'sleep', '300']);
    const id1 = bySocket.stdout.trim();
    expect(bySocket.code).toBe(125);
    expect(bySocket.stderr).toMatch(
      new RegExp(`^ce: Error response from daemon: driver failed programming external connectivity on endpoint busy1 \\([0-9a-f]{64}\\): listen tcp4 0\\.0\\.0\\.0:${held.port}: bind: address already in use\\.\\n`),
    );

    const owner = await runDetached(['--network', net.name, '-p', '127.0.0.1::80', 'busybox', 'sleep', '300']);
    const taken = await hostPortOf(owner, '80');
    const byContainer = await run(['run', '-d', '--name', 'busy2', '--network', net.name, '-p', `127.0.0.1:${taken.port}:80`, 'busybox', 'sleep', '300']);
    expect(byContainer.code).toBe(125);
    expect(byContainer.stderr).toMatch(
      new RegExp(`^ce: Error response from daemon: driver failed programming external connectivity on endpoint busy2 \\([0-9a-f]{64}\\): Bind for 127\\.0\\.0\\.1:${taken.port} failed: port is already allocated\\.\\n`),
    );

    for (const name of ['busy1', 'busy2']) {
      const c = await inspectContainer(daemon.socket, name);
      ids.push(c.Id);
      expect(c.State.Running).toBe(false);
      expect(c.NetworkSettings.Ports).toEqual({});
      expect(c.NetworkSettings.Networks[net.name].IPAddress).toBe('');
      expect(rulesMentioning(c.Id)).toEqual([]);
      expect(existsSync(join(daemon.state, 'netns', c.Id))).toBe(false);
    }
    expect(id1 === '' || ids.includes(id1)).toBe(true);
    // Only the owner's endpoint and rules are there.
    expect(vethsOnBridge(net.bridge)).toHaveLength(vethsBefore.length + 1);
    expect(Object.values(leases(net.id)).filter((o) => !Object.values(leasesBefore).includes(o))).toEqual([owner]);
    expect(rulesMentioning(`--dport ${held.port} `)).toEqual([]);
    expect(rulesMentioning(`--dport ${taken.port} `)).toHaveLength(1);

    // The socket's port is free again: now the container gets it.
    await new Promise((r) => held.server.close(r));
    sockets.splice(sockets.indexOf(held.server), 1);
    expect(await ok(['start', 'busy1'])).toBe('busy1\n');
    expect(await hostPortOf('busy1', '80')).toEqual({ ip: '0.0.0.0', port: held.port });
    expect(await ok(['rm', '-f', 'busy1', 'busy2', owner])).toBe(`busy1\nbusy2\n${owner}\n`);
    expect(vethsOnBridge(net.bridge)).toEqual(vethsBefore);
  });

  it('takes the rules at stop, and ce rm leaves no veth, rule, DNS name or address lease behind', async () => {
    const net = await userNetwork();
    const vethsBefore = vethsOnBridge(net.bridge);
    const web = await runDetached(['--name', 'leaving', '--network', net.name, '--network-alias', 'leaving-alias', '-p', '127.0.0.1::80', 'busybox', ...SERVE_FILE]);
    const peer = await runDetached(['--network', net.name, ...NO_FORWARD, 'busybox', 'sleep', '300']);
    const ip = (await inspectContainer(daemon.socket, web)).NetworkSettings.Networks[net.name].IPAddress as string;
    expect((await run(['exec', peer, 'nslookup', 'leaving-alias'])).stdout).toContain(ip);
    expect(leases(net.id)[ip]).toBe(web);

    expect(await ok(['stop', '-t', '1', web])).toBe(`${web}\n`);
    expect(rulesMentioning(web, `${ip}/32`, `${ip}:`)).toEqual([]);
    expect(await ok(['rm', web])).toBe(`${web}\n`);
    expectNothingLeftOf(web, ip, net);
    expect(vethsOnBridge(net.bridge)).toHaveLength(vethsBefore.length + 1); // the peer's
    for (const name of ['leaving', 'leaving-alias', web.slice(0, 12)]) expect((await run(['exec', peer, 'nslookup', name])).stdout).not.toContain(ip);
    expect(await ok(['rm', '-f', peer])).toBe(`${peer}\n`);
    expect(vethsOnBridge(net.bridge)).toEqual(vethsBefore);
  });
});
