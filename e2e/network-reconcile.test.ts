// Issue 10's reconcile after a crash, with the real ce and ced: ced is killed
// with SIGKILL while two containers with published ports run on a user
// network, one container dies while ced is down, and ced starts again. The
// living container keeps its address, name and published port; every rule is
// there once; nothing is left of the dead one (veth, rules, DNS name, address
// lease), so a new container can take its address.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withBusyboxDaemon } from './support/busybox-daemon.js';
import type { TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { networkContainers, NO_FORWARD, SERVE_FILE } from './support/network-containers.js';
import { duplicates, freePort, hostAddress, httpGet, httpGetOnce, iptablesRules, poll, testDnsServer, vethsOnBridge } from './support/network-probes.js';

let daemon: TestDaemon;
const ids: string[] = [];
withBusyboxDaemon((d) => (daemon = d), ids);

const { ok, runDetached, lookup, leases } = networkContainers(() => daemon, ids);

/** The last /24 of the daemon's own address pool: a subnet no other test daemon uses, given explicitly (so that --ip works). */
function ownSubnet(): string {
  const pool = daemon.network.args[daemon.network.args.indexOf('--default-address-pool') + 1]!;
  const [a, b, c] = /^base=(\d+)\.(\d+)\.(\d+)\.0\/21/.exec(pool)!.slice(1).map(Number);
  return `${a}.${b}.${c! + 7}.0/24`;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const addresses = async (container: string, name: string) => (await lookup(container, name)).addresses;

/** Until `pid` is gone (bounded). */
async function gone(pid: number): Promise<void> {
  await poll(async () => {
    if (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) throw new Error(`process ${pid} is still there`);
  });
}

describe('ced killed with SIGKILL and started again', () => {
  it('keeps the living containers\' networking once, and leaves nothing of the container that died meanwhile', async () => {
    const bridge = `${daemon.network.bridge}r`;
    const networkId = (await ok(['network', 'create', '--subnet', ownSubnet(), '-o', `com.docker.network.bridge.name=${bridge}`, 'crashnet'])).trim();
    const [alivePort, doomedPort] = [await freePort(), await freePort()];
    // Its own upstream DNS server: the test's (what the embedded DNS server keeps in memory only).
    const upstream = await testDnsServer('10.99.0.7');
    cleanups.push(() => upstream.close());
    const alive = await runDetached(['--name', 'alive', '--network', 'crashnet', '--network-alias', 'survivor', '--dns', upstream.address, ...NO_FORWARD, '-p', `${alivePort}:80`, 'busybox', ...SERVE_FILE]);
    const doomed = await runDetached(['--name', 'doomed', '--network', 'crashnet', '-p', `${doomedPort}:80`, 'busybox', ...SERVE_FILE]);
    const a = await inspectContainer(daemon.socket, alive);
    const d = await inspectContainer(daemon.socket, doomed);
    const aliveIp = a.NetworkSettings.Networks.crashnet.IPAddress as string;
    const doomedIp = d.NetworkSettings.Networks.crashnet.IPAddress as string;
    expect(await httpGet('127.0.0.1', alivePort, '/file')).toBe(`hello from ${a.Config.Hostname}\n`);
    expect(await httpGet('127.0.0.1', doomedPort, '/file')).toBe(`hello from ${d.Config.Hostname}\n`);
    expect(await addresses(alive, 'doomed')).toEqual([doomedIp]);
    expect(await addresses(alive, 'before.ce-e2e.test')).toEqual(['10.99.0.7']);
    const rulesBefore = iptablesRules(daemon.network.chainPrefix);
    expect(duplicates(rulesBefore)).toEqual([]);
    expect(vethsOnBridge(bridge)).toHaveLength(2);

    await daemon.kill9();
    // While ced is down, the doomed container's processes die.
    process.kill(d.State.Pid as number, 'SIGKILL');
    await gone(d.State.Pid as number);
    await daemon.restart();

    // The living container: still served on its published port, by name and alias, with its rules once.
    const body = `hello from ${a.Config.Hostname}\n`;
    expect(await httpGet('127.0.0.1', alivePort, '/file')).toBe(body);
    const host = hostAddress();
    if (host) expect(await httpGet(host, alivePort, '/file')).toBe(body);
    const after = iptablesRules(daemon.network.chainPrefix);
    expect(duplicates(after)).toEqual([]);
    expect(after.filter((r) => r.includes(alive)).sort()).toEqual(rulesBefore.filter((r) => r.includes(alive)).sort());
    expect((await inspectContainer(daemon.socket, alive)).NetworkSettings.Networks.crashnet.IPAddress).toBe(aliveIp);
    // Its other names still go to its own server.
    expect(await addresses(alive, 'after.ce-e2e.test')).toEqual(['10.99.0.7']);
    expect(upstream.asked.filter((n) => n.endsWith('.ce-e2e.test'))).toEqual(expect.arrayContaining(['before.ce-e2e.test', 'after.ce-e2e.test']));

    // The dead one: stopped, and nothing of its networking left.
    const dead = await inspectContainer(daemon.socket, doomed);
    expect(dead.State.Running).toBe(false);
    expect(after.filter((r) => r.includes(doomed) || r.includes(`${doomedIp}/32`) || r.includes(`${doomedIp}:`) || r.includes(`--dport ${doomedPort} `))).toEqual([]);
    expect(vethsOnBridge(bridge)).toHaveLength(1);
    expect(leases(networkId)).toEqual({ [aliveIp]: alive });
    expect(existsSync(join(daemon.state, 'netns', doomed))).toBe(false);
    await expect(httpGetOnce('127.0.0.1', doomedPort, '/file', 1000)).rejects.toThrow();
    expect(await addresses(alive, 'doomed')).toEqual([]);
    const inspected = JSON.parse(await ok(['network', 'inspect', 'crashnet']))[0];
    expect(Object.keys(inspected.Containers)).toEqual([alive]);

    // Its address is free again, and a new container finds the living one by name and alias.
    const heir = await runDetached(['--network', 'crashnet', '--ip', doomedIp, ...NO_FORWARD, 'busybox', 'sleep', '300']);
    expect((await inspectContainer(daemon.socket, heir)).NetworkSettings.Networks.crashnet.IPAddress).toBe(doomedIp);
    expect(await addresses(heir, 'alive')).toEqual([aliveIp]);
    expect(await addresses(heir, 'survivor')).toEqual([aliveIp]);
    expect(await addresses(alive, 'doomed')).toEqual([]);
    expect(duplicates(iptablesRules(daemon.network.chainPrefix))).toEqual([]);

    // A second crash with nothing changed: every rule still once.
    const steady = iptablesRules(daemon.network.chainPrefix).sort();
    await daemon.kill9();
    await daemon.restart();
    expect(iptablesRules(daemon.network.chainPrefix).sort()).toEqual(steady);
    expect(await httpGet('127.0.0.1', alivePort, '/file')).toBe(body);
    expect(await addresses(heir, 'alive')).toEqual([aliveIp]);

    expect(await ok(['rm', '-f', alive, doomed, heir])).toBe(`${alive}\n${doomed}\n${heir}\n`);
    expect(vethsOnBridge(bridge)).toEqual([]);
    expect(leases(networkId)).toEqual({});
    expect(iptablesRules(daemon.network.chainPrefix).filter((r) => r.includes(`${ownSubnet().slice(0, -4)}`) && r.includes('/32'))).toEqual([]);
  });

  it('leaves nothing of a container whose shim went with it while ced was down', async () => {
    const bridge = `${daemon.network.bridge}s`;
    const networkId = (await ok(['network', 'create', '-o', `com.docker.network.bridge.name=${bridge}`, 'shimnet'])).trim();
    const port = await freePort();
    const victim = await runDetached(['--network', 'shimnet', '-p', `127.0.0.1:${port}:80`, 'busybox', ...SERVE_FILE]);
    const v = await inspectContainer(daemon.socket, victim);
    const ip = v.NetworkSettings.Networks.shimnet.IPAddress as string;
    expect(await httpGet('127.0.0.1', port, '/file')).toBe(`hello from ${v.Config.Hostname}\n`);

    await daemon.kill9();
    // Every process of the container's task: the container's own and its parent, the shim that ran it.
    const init = v.State.Pid as number;
    const shim = Number(/^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${init}/status`, 'utf8'))![1]);
    expect(readFileSync(`/proc/${shim}/cmdline`, 'utf8')).toContain(daemon.dir);
    const pids = [shim, init];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    }
    for (const pid of pids) await gone(pid);
    await daemon.restart();

    expect((await inspectContainer(daemon.socket, victim)).State.Running).toBe(false);
    expect(iptablesRules(daemon.network.chainPrefix).filter((r) => r.includes(victim) || r.includes(`${ip}/32`) || r.includes(`--dport ${port} `))).toEqual([]);
    expect(duplicates(iptablesRules(daemon.network.chainPrefix))).toEqual([]);
    expect(vethsOnBridge(bridge)).toEqual([]);
    expect(leases(networkId)).toEqual({});
    expect(existsSync(join(daemon.state, 'netns', victim))).toBe(false);
    expect(Object.keys(JSON.parse(await ok(['network', 'inspect', 'shimnet']))[0].Containers)).toEqual([]);
    // It starts again, on the network, with its port.
    expect(await ok(['start', victim])).toBe(`${victim}\n`);
    expect(await httpGet('127.0.0.1', port, '/file')).toBe(`hello from ${v.Config.Hostname}\n`);
    expect(await ok(['rm', '-f', victim])).toBe(`${victim}\n`);
    expect(vethsOnBridge(bridge)).toEqual([]);
  });
});
