// Issue 10's acceptance on user-defined networks, with the real ce and ced and
// busybox containers: names, aliases and --link aliases resolved by the
// embedded DNS and reached over HTTP; networks isolated from each other; an
// internal network without a way out (checked through routes and rules only);
// connect and disconnect on a running container; --network container:<name>.
import { describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { networkContainers, NO_FORWARD, SERVE_FILE } from './support/network-containers.js';
import { freePort, httpGet, iptablesRules } from './support/network-probes.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const { run, ok, runDetached, wget, wgetBody, lookup } = networkContainers(() => daemon, ids);

/** A user network of this daemon (its subnet from the daemon's own pool) on a bridge named after the daemon's. */
async function createNetwork(name: string, suffix: string, extra: string[] = []): Promise<{ id: string; bridge: string; subnet: string }> {
  const bridge = `${daemon.network.bridge}${suffix}`;
  const id = (await ok(['network', 'create', '-o', `com.docker.network.bridge.name=${bridge}`, ...extra, name])).trim();
  const subnet = (await ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', name])).trim();
  return { id, bridge, subnet };
}

const addressOn = async (container: string, network: string): Promise<string> =>
  (await inspectContainer(daemon.socket, container)).NetworkSettings.Networks[network].IPAddress as string;

describe('user-defined networks', () => {
  it('lets containers reach each other by name and by alias, and keeps other networks out', async () => {
    await createNetwork('front', 'a');
    await createNetwork('back', 'b');
    await runDetached(['--name', 'web', '--network', 'front', '--network-alias', 'www', 'busybox', ...SERVE_FILE]);
    await runDetached(['--name', 'client', '--network', 'front', ...NO_FORWARD, 'busybox', 'sleep', '300']);
    await runDetached(['--name', 'outsider', '--network', 'back', ...NO_FORWARD, 'busybox', 'sleep', '300']);
    const webIp = await addressOn('web', 'front');
    const hostname = (await inspectContainer(daemon.socket, 'web')).Config.Hostname as string;

    // The server is up (the host reaches it on its address).
    expect(await httpGet(webIp, 80, '/file')).toBe(`hello from ${hostname}\n`);
    expect(await lookup('client', 'web')).toEqual({ code: 0, addresses: [webIp] });
    expect(await lookup('client', 'www')).toEqual({ code: 0, addresses: [webIp] });
    expect(await lookup('client', 'web.front')).toEqual({ code: 0, addresses: [webIp] });
    expect((await run(['exec', 'client', 'nslookup', webIp])).stdout).toMatch(/\sname = web\.front\n/);
    expect(await wget('client', 'http://web/file')).toMatchObject({ code: 0, stdout: `hello from ${hostname}\n` });
    expect(await wget('client', 'http://www/file')).toMatchObject({ code: 0, stdout: `hello from ${hostname}\n` });

    // --link on a user network: a name for the linking container only.
    const linker = await runDetached(['--network', 'front', '--link', 'web:backend', ...NO_FORWARD, 'busybox', 'sleep', '300']);
    expect(await lookup(linker, 'backend')).toEqual({ code: 0, addresses: [webIp] });
    expect(await wget(linker, 'http://backend/file')).toMatchObject({ code: 0, stdout: `hello from ${hostname}\n` });
    expect((await lookup('client', 'backend')).addresses).toEqual([]);

    // Another network neither resolves the names nor reaches the address.
    expect((await lookup('outsider', 'web')).addresses).toEqual([]);
    expect((await lookup('outsider', 'www')).addresses).toEqual([]);
    const across = await wget('outsider', `http://${webIp}/file`, 2);
    expect(across.code).not.toBe(0);
    expect(across.stdout).toBe('');
    // …and the other way round.
    const outsiderIp = await addressOn('outsider', 'back');
    const back = await run(['exec', 'client', 'nc', '-z', '-w', '2', outsiderIp, '80']);
    expect(back.code).not.toBe(0);
  });

  it('an --internal network has no route out and no masquerade, and is isolated in the firewall', async () => {
    const { bridge, subnet } = await createNetwork('sealed', 'i', ['--internal']);
    const id = await runDetached(['--name', 'sealed1', '--network', 'sealed', 'busybox', 'sleep', '300']);
    const peer = await runDetached(['--network', 'sealed', ...NO_FORWARD, 'busybox', 'sleep', '300']);
    // Its own names resolve.
    expect(await lookup(peer, 'sealed1')).toEqual({ code: 0, addresses: [(await inspectContainer(daemon.socket, id)).NetworkSettings.Networks.sealed.IPAddress] });
    const routes = await ok(['exec', id, 'ip', 'route']);
    expect(routes).not.toMatch(/^default/m);
    expect(routes).toContain(`${subnet} dev eth0`);
    const resolv = await ok(['exec', id, 'cat', '/etc/resolv.conf']);
    expect(resolv).toMatch(/^nameserver /m);

    const rules = iptablesRules(daemon.network.chainPrefix);
    const ofBridge = rules.filter((r) => r.includes(subnet) || r.includes(` ${bridge} `));
    expect(ofBridge.filter((r) => r.includes('MASQUERADE'))).toEqual([]);
    expect(rules.filter((r) => r.startsWith('nat ') && r.includes(subnet))).toEqual([]);
    const p = daemon.network.chainPrefix;
    expect(ofBridge).toEqual(
      expect.arrayContaining([
        `filter -A ${p}-ISOLATION-1 ! -d ${subnet} -i ${bridge} -j DROP`,
        `filter -A ${p}-ISOLATION-1 ! -s ${subnet} -o ${bridge} -j DROP`,
      ]),
    );
    // Nothing forwards it out: no ACCEPT of its bridge towards another interface.
    expect(ofBridge.filter((r) => r.includes(`-i ${bridge} ! -o ${bridge} -j ACCEPT`))).toEqual([]);
  });

  it('connects a running container to a network and disconnects it', async () => {
    await createNetwork('east', 'e');
    await createNetwork('west', 'w');
    const late = await runDetached(['--name', 'late', '--network', 'west', 'busybox', ...SERVE_FILE]);
    const peer = await runDetached(['--name', 'peer', '--network', 'east', ...NO_FORWARD, 'busybox', 'sleep', '300']);
    expect((await run(['exec', late, 'ip', '-o', '-4', 'addr'])).stdout).not.toContain('eth1');
    expect((await lookup(peer, 'late')).addresses).toEqual([]);

    expect(await run(['network', 'connect', '--alias', 'late-alias', 'east', 'late'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const eastIp = await addressOn(late, 'east');
    expect(eastIp).toMatch(/^10\./);
    expect(await ok(['exec', late, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth1'])).toContain(`inet ${eastIp}/`);
    expect(await ok(['exec', late, 'cat', '/etc/hosts'])).toMatch(new RegExp(`^${eastIp.replace(/\./g, '\\.')}\\s`, 'm'));
    expect(await lookup(peer, 'late')).toEqual({ code: 0, addresses: [eastIp] });
    expect(await lookup(peer, 'late-alias')).toEqual({ code: 0, addresses: [eastIp] });
    expect(await wgetBody(peer, 'http://late/file')).toMatch(/^hello from /);
    const east = JSON.parse(await ok(['network', 'inspect', 'east']))[0];
    expect(Object.keys(east.Containers).sort()).toEqual([late, peer].sort());

    expect(await run(['network', 'disconnect', 'east', 'late'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await run(['exec', late, 'ip', 'link', 'show', 'eth1'])).code).not.toBe(0);
    expect(await ok(['exec', late, 'cat', '/etc/hosts'])).not.toContain(eastIp);
    expect((await lookup(peer, 'late')).addresses).toEqual([]);
    expect((await lookup(peer, 'late-alias')).addresses).toEqual([]);
    expect(Object.keys((await inspectContainer(daemon.socket, late)).NetworkSettings.Networks)).toEqual(['west']);
    expect(Object.keys(JSON.parse(await ok(['network', 'inspect', 'east']))[0].Containers)).toEqual([peer]);
  });

  it('hands the default route and the published ports to another network when the container leaves the one that had them', async () => {
    await createNetwork('first', 'f');
    await createNetwork('other', 'o');
    const port = await freePort();
    const id = await runDetached(['--network', 'first', '-p', `127.0.0.1:${port}:80`, 'busybox', ...SERVE_FILE]);
    expect((await httpGet('127.0.0.1', port, '/file')).startsWith('hello from ')).toBe(true);
    expect(await run(['network', 'connect', 'other', id])).toMatchObject({ code: 0, stderr: '' });
    const gateway = (await inspectContainer(daemon.socket, id)).NetworkSettings.Networks.other.Gateway as string;
    expect(await run(['network', 'disconnect', 'first', id])).toMatchObject({ code: 0, stderr: '' });
    expect(await ok(['exec', id, 'ip', 'route'])).toMatch(new RegExp(`^default via ${gateway.replace(/\./g, '\\.')} dev eth1`, 'm'));
    expect((await httpGet('127.0.0.1', port, '/file')).startsWith('hello from ')).toBe(true);
    expect(await ok(['port', id])).toBe(`80/tcp -> 127.0.0.1:${port}\n`);
    expect(await ok(['rm', '-f', id])).toBe(`${id}\n`);
    expect(iptablesRules(daemon.network.chainPrefix).filter((r) => r.includes(id))).toEqual([]);
  });

  it("--network container:<name> shares the other container's network namespace and hostname", async () => {
    await createNetwork('shared', 's');
    const host = await runDetached(['--name', 'netowner', '--network', 'shared', 'busybox', ...SERVE_FILE]);
    const guest = await runDetached(['--network', 'container:netowner', 'busybox', 'sleep', '300']);
    const owner = await inspectContainer(daemon.socket, host);
    expect(await ok(['exec', guest, 'readlink', '/proc/self/ns/net'])).toBe(await ok(['exec', host, 'readlink', '/proc/self/ns/net']));
    // IPv4 only: an IPv6 link-local address may still be tentative at the first look.
    const addrs = await ok(['exec', guest, 'ip', '-o', '-4', 'addr']);
    expect(addrs).toContain(`inet ${owner.NetworkSettings.Networks.shared.IPAddress}/`);
    expect(addrs).toBe(await ok(['exec', host, 'ip', '-o', '-4', 'addr']));
    expect(await ok(['exec', guest, 'hostname'])).toBe(`${owner.Config.Hostname}\n`);
    expect(await wgetBody(guest, 'http://127.0.0.1/file')).toBe(`hello from ${owner.Config.Hostname}\n`);
    const g = await inspectContainer(daemon.socket, guest);
    expect(g.HostConfig.NetworkMode).toMatch(/^container:/);
    expect(g.NetworkSettings.Networks).toEqual({});
  });
});
