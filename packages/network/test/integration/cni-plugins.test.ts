// The CNI driver with Debian's real plugins (containernetworking-plugins in
// /usr/lib/cni): bridge + host-local + portmap + firewall, and loopback.
// The host side of the plugins (the bridge, iptables chains) is run inside
// an outer network namespace the test creates, through the driver's wrapper
// option, and host-local keeps its leases in the test's temporary folder:
// nothing of it reaches the real host.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniNetwork } from '../../src/cni/cni-network.js';

const BIN = '/usr/lib/cni';
const PLUGINS = ['bridge', 'host-local', 'portmap', 'firewall', 'loopback'];
const isRoot = process.getuid?.() === 0;
const missing = PLUGINS.filter((p) => !existsSync(join(BIN, p)));
const skipReason = !isRoot ? 'needs root' : missing.length ? `needs ${missing.join(', ')} in ${BIN} (apt-get install containernetworking-plugins)` : '';

const tag = String(process.pid % 100000);
const outer = `ce-it-cni-o${tag}`;
const nsA = `ce-it-cni-a${tag}`;
const nsB = `ce-it-cni-b${tag}`;
const bridge = `cebr${tag}`;
const netName = `ce-it-cni-${tag}`;
const loName = `ce-it-lo-${tag}`;
const third = 16 + (process.pid % 200);
const subnet = `10.231.${third}.0/24`;
const gateway = `10.231.${third}.1`;
const addrA = `10.231.${third}.50`;
const ipRanges = [[{ subnet }]];
const hostPort = 20000 + (process.pid % 10000);
const cidA = `ce-it-a-${tag}`;
const cidB = `ce-it-b-${tag}`;
const netnsPath = (name: string) => `/run/netns/${name}`;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function ipJson<T>(...args: string[]): T {
  return JSON.parse(ip('-j', ...args) || '[]') as T;
}
function inNetns(ns: string, cmd: string[], timeout = 10_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}
function iptablesSave(ns: string): string {
  return inNetns(ns, ['iptables-save']);
}

let dir: string;
let net: CniNetwork;
let lo: CniNetwork;
let server: ChildProcess | undefined;

describe.skipIf(skipReason !== '')(`CNI with Debian's plugins ${skipReason}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-it-cni-'));
    const confDir = join(dir, 'net.d');
    await mkdir(confDir);
    for (const ns of [outer, nsA, nsB]) ip('netns', 'add', ns);
    ip('-n', outer, 'link', 'set', 'lo', 'up');
    await writeFile(
      join(confDir, '10-bridge.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: netName,
        plugins: [
          {
            type: 'bridge',
            bridge,
            isGateway: true,
            ipMasq: true,
            capabilities: { ipRanges: true },
            // The ranges come from the runtime (ipRanges), as kubelet gives a node's pod CIDR.
            ipam: { type: 'host-local', routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') },
          },
          { type: 'firewall', backend: 'iptables' },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    await writeFile(join(confDir, '99-loopback.conf'), JSON.stringify({ cniVersion: '1.0.0', name: loName, type: 'loopback' }));
    const opts = { confDir, binDirs: [BIN], cacheDir: join(dir, 'cache'), wrapper: ['ip', 'netns', 'exec', outer], timeoutMs: 20_000 };
    net = await CniNetwork.load(netName, opts);
    lo = await CniNetwork.load(loName, opts);
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    for (const [cid, ns] of [[cidA, nsA], [cidB, nsB]] as const) {
      await net?.del(cid, netnsPath(ns), 'eth0').catch(() => undefined);
      await lo?.del(cid, netnsPath(ns), 'lo').catch(() => undefined);
    }
    for (const ns of [nsA, nsB, outer]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    // Nothing reached the real host: no bridge, no lease folder, no chain for the network.
    expect(() => ip('link', 'show', bridge)).toThrow();
    expect(existsSync(`/var/lib/cni/networks/${netName}`)).toBe(false);
    expect(execFileSync('iptables-save', { encoding: 'utf8' })).not.toContain(netName);
  });

  it('validates the chain against the plugins versions', async () => {
    expect((await net.validate()).sort()).toEqual(['ipRanges', 'portMappings']);
    expect(lo.config.plugins.map((p) => p.type)).toEqual(['loopback']);
  });

  it('attaches two namespaces: addresses, routes, traffic between them and through a published port; CHECK; DEL leaves nothing', async () => {
    await lo.add(cidA, netnsPath(nsA), 'lo');
    const resultA = await net.add(cidA, netnsPath(nsA), 'eth0', {
      args: { IgnoreUnknown: '1' },
      capabilities: {
        ipRanges: [[{ subnet, rangeStart: addrA, rangeEnd: `10.231.${third}.59` }]],
        portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }],
      },
    });
    await lo.add(cidB, netnsPath(nsB), 'lo');
    const resultB = await net.add(cidB, netnsPath(nsB), 'eth0', { capabilities: { ipRanges } });

    expect(resultA.ips).toEqual([expect.objectContaining({ address: `${addrA}/24`, gateway })]);
    const addrB = resultB.ips[0]!.address.split('/')[0]!;
    expect(resultA.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining([bridge, 'eth0']));

    // What a user would look at in the container's namespace.
    const eth0 = ipJson<Array<{ addr_info: Array<{ family: string; local: string; prefixlen: number }> }>>('-n', nsA, 'addr', 'show', 'eth0');
    expect(eth0[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([`${addrA}/24`]);
    const routes = ipJson<Array<{ dst: string; gateway?: string; dev: string }>>('-n', nsA, 'route', 'show', 'default');
    expect(routes).toEqual([expect.objectContaining({ dst: 'default', gateway, dev: 'eth0' })]);
    const loLink = ipJson<Array<{ flags: string[] }>>('-n', nsA, 'link', 'show', 'lo');
    expect(loLink[0]!.flags).toContain('UP');
    // The bridge is in the outer namespace, not on the host.
    expect(ipJson<Array<{ ifname: string }>>('-n', outer, 'link', 'show', 'type', 'bridge').map((l) => l.ifname)).toEqual([bridge]);

    // B reaches A and A reaches B over the bridge.
    inNetns(nsB, ['busybox', 'ping', '-c', '1', '-W', '3', addrA]);
    inNetns(nsA, ['busybox', 'ping', '-c', '1', '-W', '3', addrB]);

    // A server in A answers on the published port of the outer ("host") namespace.
    server = spawn('ip', ['netns', 'exec', nsA, process.execPath, '-e', "require('net').createServer((s) => s.end('hello from a')).listen(80, () => console.log('listening'))"], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      server!.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const client = `const s = require('net').connect(${hostPort}, '${gateway}'); let d = ''; s.on('data', (c) => d += c); s.on('end', () => console.log(d)); s.on('error', (e) => { console.error(e.message); process.exit(1); })`;
    expect(inNetns(outer, [process.execPath, '-e', client]).trim()).toBe('hello from a');
    server.kill('SIGKILL');
    server = undefined;

    // CHECK runs the chain in order: bridge and firewall pass. Debian's portmap
    // 1.1.1 then checks its IPv4 rules in ip6tables too and fails wherever
    // ip6tables works (containernetworking/plugins#819, fixed upstream in 1.2.0).
    for (const [cid, ns] of [[cidA, nsA], [cidB, nsB]] as const) {
      const outcome = await net.check(cid, netnsPath(ns), 'eth0').then(() => 'passed', (err: unknown) => err);
      if (outcome !== 'passed') expect(outcome).toMatchObject({ name: 'CniPluginError', plugin: 'portmap', msg: expect.stringMatching(/^could not check ipv6 dnat: /) });
    }
    await lo.check(cidA, netnsPath(nsA), 'lo');

    // CHECK notices what ADD set up is gone.
    ip('-n', nsB, 'route', 'del', 'default');
    await expect(net.check(cidB, netnsPath(nsB), 'eth0')).rejects.toMatchObject({ name: 'CniPluginError', plugin: 'bridge', command: 'CHECK' });

    const rulesBefore = iptablesSave(outer);
    expect(rulesBefore).toContain(cidA);
    expect(rulesBefore).toContain(`--dport ${hostPort}`);

    await net.del(cidA, netnsPath(nsA), 'eth0');
    await lo.del(cidA, netnsPath(nsA), 'lo');
    await net.del(cidB, netnsPath(nsB), 'eth0');
    await lo.del(cidB, netnsPath(nsB), 'lo');

    // Nothing of either attachment is left: links, leases, rules, cache.
    for (const ns of [nsA, nsB]) expect(ipJson<Array<{ ifname: string }>>('-n', ns, 'link', 'show').map((l) => l.ifname)).toEqual(['lo']);
    expect(ipJson<unknown[]>('-n', outer, 'link', 'show', 'type', 'veth')).toEqual([]);
    const rulesAfter = iptablesSave(outer);
    for (const gone of [cidA, cidB, `--dport ${hostPort}`, addrA, addrB]) expect(rulesAfter).not.toContain(gone);
    expect((await readdir(join(dir, 'ipam', netName))).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(await readdir(join(dir, 'cache', 'results'))).toEqual([]);

    // DEL again, and DEL of what was never added, succeed. Without a cached
    // ADD the runtime gives the capability arguments (host-local needs its ranges).
    await net.del(cidA, netnsPath(nsA), 'eth0', { capabilities: { ipRanges } });
    await net.del(`ce-it-never-${tag}`, '', 'eth0', { capabilities: { ipRanges } });
  });
});
