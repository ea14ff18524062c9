// Issue 10: a network of driver cni with the real ce and ced, through
// Debian's plugins (bridge + host-local): `ce network create -d cni --opt
// cni.config=<name>`, containers that get an address from the list's range
// and reach each other and the bridge's gateway, and `ce rm` leaving no veth,
// lease or cached result; a port published through portmap. The
// configurations are the test's own (bridge names, subnets, host-local's
// dataDir in its folder; no ipMasq or firewall plugin). The bridges, which the
// bridge plugin never deletes, and the chains portmap 1.1.1 leaves after its
// last DEL are removed by the test (the portmap test is skipped when those
// chains exist already: someone else's).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { inspectContainer } from './support/inspect.js';
import { natRules, portmapChainsExist, removePortmapChains } from './support/portmap-chains.js';
import { acceptBridgeForwarding } from '../tools/lib/bridge-forwarding.mjs';

const BIN = '/usr/lib/cni';
const missing = ['bridge', 'host-local'].filter((p) => !existsSync(join(BIN, p)));
const skipReason = missing.length ? `needs ${missing.join(', ')} in ${BIN} (apt-get install containernetworking-plugins)` : '';

const tag = `${process.pid % 100000}`;
const third = process.pid % 250;
const bridge = `cecn${tag}`;
const subnet = `10.219.${third}.0/24`;
const gateway = `10.219.${third}.1`;
const rangeStart = `10.219.${third}.100`;
const rangeEnd = `10.219.${third}.120`;
const cniName = `ce-e2e-cni-${tag}`;
const network = `ce-e2e-cninet-${tag}`;
const gatewayPort = 18000 + (process.pid % 1000);
// A second list with portmap, for published ports.
const pmBridge = `cecq${tag}`;
const pmSubnet = `10.220.${third}.0/24`;
const pmName = `ce-e2e-cnipm-${tag}`;
const pmNetwork = `ce-e2e-cnipmnet-${tag}`;
const hostPort = 23000 + (process.pid % 1000);
const portmapInUse = portmapChainsExist();

let dir: string;
let daemon: TestDaemon | undefined;
let server: Server | undefined;
const containers: string[] = [];
const stopAccepting: Array<() => void> = [];

const run = (args: string[]) => ce(args, { socket: daemon!.socket });
const vethsOnBridge = () => (existsSync(`/sys/class/net/${bridge}/brif`) ? readdirSync(`/sys/class/net/${bridge}/brif`) : []);
const leases = () => (existsSync(join(dir, 'ipam', cniName)) ? readdirSync(join(dir, 'ipam', cniName)).filter((f) => /^\d/.test(f)) : []);
const cachedResults = () => (existsSync(join(daemon!.root, 'network', 'cni', 'results')) ? readdirSync(join(daemon!.root, 'network', 'cni', 'results')) : []);

async function runDetached(args: string[]): Promise<string> {
  const r = await run(['run', '-d', ...args]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const id = r.stdout.trim();
  containers.push(id);
  return id;
}

describe.skipIf(skipReason !== '')(`a cni network with Debian's plugins ${skipReason}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-e2e-cni-'));
    mkdirSync(join(dir, 'net.d'));
    writeFileSync(
      join(dir, 'net.d', '20-portmap.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: pmName,
        plugins: [
          { type: 'bridge', bridge: pmBridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: pmSubnet }]], dataDir: join(dir, 'ipam') } },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'net.d', '10-e2e.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: cniName,
        plugins: [
          {
            type: 'bridge',
            bridge,
            isGateway: true,
            ipMasq: false,
            ipam: { type: 'host-local', ranges: [[{ subnet, rangeStart, rangeEnd, gateway }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') },
          },
        ],
      }),
    );
    // These lists have no firewall plugin: where another engine (a ced, a dockerd) has set the FORWARD
    // policy to DROP, br_netfilter would drop the bridges' own traffic, so the test accepts it for its
    // time. --iptables=false keeps the test's ced from setting that policy itself.
    for (const device of [bridge, pmBridge]) stopAccepting.push(acceptBridgeForwarding(device));
    daemon = await startTestDaemon(['--cni-config-dir', join(dir, 'net.d'), '--cni-bin-dir', BIN, '--iptables=false']);
    await importBusyboxImage(daemon.socket);
  });

  afterAll(async () => {
    server?.close();
    try {
      if (daemon) {
        for (const c of containers) await run(['rm', '-f', c]);
        await run(['network', 'rm', network]);
        await run(['network', 'rm', pmNetwork]);
        await daemon.dispose();
      }
    } finally {
      for (const device of [bridge, pmBridge]) {
        try {
          execFileSync('ip', ['link', 'del', device], { stdio: 'ignore' });
        } catch {
          // never made
        }
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (!portmapInUse) removePortmapChains();
      for (const stop of stopAccepting.splice(0)) stop();
    }
  });

  it('creates the network from the configuration list, and names what is wrong in a bad one', async () => {
    const created = await run(['network', 'create', '-d', 'cni', '--opt', `cni.config=${cniName}`, network]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const inspected = await run(['network', 'inspect', '-f', '{{.Driver}} {{.IPAM.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{index .Options "cni.config"}}', network]);
    expect(inspected).toEqual({ code: 0, stdout: `cni host-local ${subnet} ${gateway} ${cniName}\n`, stderr: '' });
    expect((await run(['network', 'ls', '-f', 'driver=cni', '--format', '{{.Name}}'])).stdout).toBe(`${network}\n`);

    const unknown = await run(['network', 'create', '-d', 'cni', '--opt', 'cni.config=nosuch', `${network}-x`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no CNI network configuration named "nosuch" in ${join(dir, 'net.d')}`);
    const bad = join(dir, 'bad.conflist');
    writeFileSync(bad, JSON.stringify({ cniVersion: '1.0.0', name: 'bad', plugins: [{ type: 'bridge', capabilities: 'all' }] }));
    const invalid = await run(['network', 'create', '-d', 'cni', '--opt', `cni.config=${bad}`, `${network}-x`]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${bad}: plugins[0].capabilities: must be an object of booleans`);
    expect((await run(['network', 'ls', '-q', '-f', `name=${network}-x`])).stdout).toBe('');
  });

  it('runs containers with addresses from the list\'s range that reach each other and the gateway; rm leaves no veth, lease or cached result', async () => {
    const a = await runDetached(['--network', network, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const b = await runDetached(['--network', network, 'busybox', 'sleep', '60']);
    const ca = await inspectContainer(daemon!.socket, a);
    const sa = ca.NetworkSettings.Networks[network];
    const sb = (await inspectContainer(daemon!.socket, b)).NetworkSettings.Networks[network];
    const inRange = (ip: string) => Number(ip.split('.')[3]) >= 100 && Number(ip.split('.')[3]) <= 120 && ip.startsWith(`10.219.${third}.`);
    expect(inRange(sa.IPAddress)).toBe(true);
    expect(inRange(sb.IPAddress)).toBe(true);
    expect(sa).toMatchObject({ Gateway: gateway, IPPrefixLen: 24 });
    expect(sa.NetworkID).toMatch(/^[0-9a-f]{64}$/);
    expect(sa.MacAddress).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(vethsOnBridge()).toHaveLength(2);
    expect(leases().sort()).toEqual([sa.IPAddress, sb.IPAddress].sort());
    expect(cachedResults()).toHaveLength(2);
    expect((await run(['exec', a, 'ip', 'route'])).stdout).toContain(`default via ${gateway} dev eth0`);

    // b reaches a over the bridge: a's httpd answers busybox nc (Debian's static busybox wget crashes without the NSS libraries).
    const get = (id: string, host: string, port: number, path: string) => run(['exec', id, 'sh', '-c', `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port}`]);
    const fromB = await get(b, sa.IPAddress, 80, '/hostname');
    expect(fromB).toMatchObject({ code: 0, stderr: '' });
    expect(fromB.stdout).toMatch(/^HTTP\/1\.[01] 200 /);
    expect(fromB.stdout.endsWith(`\r\n\r\n${ca.Config.Hostname}\n`)).toBe(true);
    // a reaches the gateway: the host's address on the bridge, where the test serves.
    server = createServer((_req, res) => res.end('gateway\n'));
    await new Promise<void>((resolve) => server!.listen(gatewayPort, gateway, resolve));
    const fromA = await get(a, gateway, gatewayPort, '/');
    expect(fromA).toMatchObject({ code: 0, stderr: '' });
    expect(fromA.stdout.endsWith('\r\n\r\ngateway\n')).toBe(true);

    const members = JSON.parse((await run(['network', 'inspect', network])).stdout)[0].Containers as Record<string, { IPv4Address: string }>;
    expect(Object.keys(members).sort()).toEqual([a, b].sort());
    expect(members[a]!.IPv4Address).toBe(`${sa.IPAddress}/24`);
    const rmBusy = await run(['network', 'rm', network]);
    expect(rmBusy.code).toBe(1);
    expect(rmBusy.stderr).toContain('has active endpoints');

    // No plugin of the list publishes ports: refused at start, nothing left.
    containers.push(`ce-e2e-cnipub-${tag}`);
    const published = await run(['run', '--name', `ce-e2e-cnipub-${tag}`, '-p', '80', '--network', network, 'busybox', 'true']);
    expect(published.code).not.toBe(0);
    expect(published.stderr).toContain('declares the "portMappings" capability');

    expect((await run(['rm', '-f', a, b, `ce-e2e-cnipub-${tag}`])).code).toBe(0);
    expect(vethsOnBridge()).toEqual([]);
    expect(leases()).toEqual([]);
    expect(cachedResults()).toEqual([]);
    expect(existsSync(join(daemon!.state, 'netns', a))).toBe(false);
    expect(await run(['network', 'rm', network])).toEqual({ code: 0, stdout: `${network}\n`, stderr: '' });
  });

  it('keeps a running container attached across a kill -9 of ced; connect and disconnect on a running container', async () => {
    expect((await run(['network', 'create', '-d', 'cni', '--opt', `cni.config=${cniName}`, network])).code).toBe(0);
    const x = await runDetached(['--network', network, 'busybox', 'sleep', '300']);
    const address = (await inspectContainer(daemon!.socket, x)).NetworkSettings.Networks[network].IPAddress as string;

    await daemon!.kill9();
    await daemon!.restart();
    expect(Object.keys(JSON.parse((await run(['network', 'inspect', network])).stdout)[0].Containers)).toEqual([x]);
    expect(cachedResults()).toHaveLength(1);
    expect(leases()).toEqual([address]);
    expect((await run(['exec', x, 'ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout).toContain(` ${address}/24 `);

    // A second network on the running container, then the cni one goes: DEL through the plugins.
    expect(await run(['network', 'connect', 'bridge', x])).toMatchObject({ code: 0, stderr: '' });
    expect(await run(['network', 'disconnect', network, x])).toMatchObject({ code: 0, stderr: '' });
    expect((await run(['exec', x, 'ip', '-o', 'link'])).stdout).not.toContain(' eth0');
    expect(vethsOnBridge()).toEqual([]);
    expect(leases()).toEqual([]);
    expect(cachedResults()).toEqual([]);
    expect(await run(['network', 'connect', network, x])).toMatchObject({ code: 0, stderr: '' });
    expect(cachedResults()).toHaveLength(1);

    expect((await run(['rm', '-f', x])).code).toBe(0);
    expect(vethsOnBridge()).toEqual([]);
    expect(leases()).toEqual([]);
    expect(cachedResults()).toEqual([]);
    expect(await run(['network', 'rm', network])).toEqual({ code: 0, stdout: `${network}\n`, stderr: '' });
  });

  it.skipIf(portmapInUse)('publishes a port through the portmap plugin: ce port shows it, the host\'s loopback reaches it, rm takes its rules away', async () => {
    expect((await run(['network', 'create', '-d', 'cni', '--opt', `cni.config=${pmName}`, pmNetwork])).code).toBe(0);
    const web = await runDetached(['--network', pmNetwork, '-p', `127.0.0.1:${hostPort}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const c = await inspectContainer(daemon!.socket, web);
    expect(c.NetworkSettings.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    expect(await run(['port', web])).toEqual({ code: 0, stdout: `80/tcp -> 127.0.0.1:${hostPort}\n`, stderr: '' });
    expect(natRules()).toContain(`--dport ${hostPort}`);
    expect(await httpGet('127.0.0.1', hostPort, '/hostname')).toBe(`${c.Config.Hostname}\n`);

    expect((await run(['rm', '-f', web])).code).toBe(0);
    expect(natRules()).not.toContain(`--dport ${hostPort}`);
    expect(natRules()).not.toContain(web.slice(0, 12));
    expect(cachedResults()).toEqual([]);
    expect(await run(['network', 'rm', pmNetwork])).toEqual({ code: 0, stdout: `${pmNetwork}\n`, stderr: '' });
  });
});

/** GET http://host:port/path, retried (bounded) until the server answers. */
async function httpGet(host: string, port: number, path: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = request({ host, port, path, timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
