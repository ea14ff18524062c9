// Root: the real iptables, programmed inside a network namespace this test
// creates (the "host"), never the machine's own tables. Containers are more
// namespaces on veths into the host's bridges, each with busybox httpd.
// Traffic goes only between these namespaces.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirewallNetwork, PortMapping } from '../../src/firewall.js';
import { IptablesFirewall } from '../../src/firewall/iptables-firewall.js';

const isRoot = process.getuid?.() === 0;
const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const iptables = spawnSync('iptables-save', ['--version']).status === 0;
const why = !isRoot ? 'needs root' : !busybox ? 'needs busybox (httpd, nc)' : !iptables ? 'needs iptables' : '';

const tag = `${process.pid}`;
const ns = (n: string) => `ce-it-fw${tag}-${n}`;
const HOST = ns('h');
const hostPath = `/run/netns/${HOST}`;
const HOST_IP = '10.203.250.1';

function run(argv: string[], check = true): { status: number | null; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 15_000 });
  if (check && r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.error?.message}`);
  return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}
const inNs = (name: string, argv: string[], check = true) => run(['ip', 'netns', 'exec', name, ...argv], check);
/** An HTTP GET with busybox nc from a namespace: the body, or null when nothing answered within 2 s. */
function get(from: string, url: string): string | null {
  const { host, port } = new URL(url);
  const r = spawnSync('ip', ['netns', 'exec', from, busybox!, 'nc', '-w', '2', host, port || '80'], {
    input: 'GET / HTTP/1.0\r\n\r\n',
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0 || !r.stdout.startsWith('HTTP/1.1 200')) return null;
  return r.stdout.trim().split('\n').pop()!.trim();
}
/**
 * The host's tables, without what test ceds of the same run add meanwhile
 * (their own CE… chains and jumps, and dockerd's FORWARD policy change), so
 * that what is compared is what this test's firewall could have touched.
 */
function hostSave(): string {
  const otherDaemons = (line: string) => /(^:|-A |-j )CE/.test(line) && !line.includes(`CEIT${tag}`);
  return run(['iptables-save'])
    .out.replace(/^#.*$/gm, '')
    .replace(/\[\d+:\d+\]/g, '')
    .split('\n')
    .filter((line) => !otherDaemons(line) && !line.startsWith(':FORWARD '))
    .join('\n');
}

interface Container {
  name: string;
  ip: string;
  httpd: ChildProcess;
}

const netA: FirewallNetwork = { id: 'a', bridge: `brA${tag}`.slice(0, 15), subnet: '10.203.1.0/24', internal: false, icc: true, masquerade: true };
const netB: FirewallNetwork = { id: 'b', bridge: `brB${tag}`.slice(0, 15), subnet: '10.203.2.0/24', internal: false, icc: true, masquerade: true };
const netI: FirewallNetwork = { id: 'i', bridge: `brI${tag}`.slice(0, 15), subnet: '10.203.3.0/24', internal: true, icc: true, masquerade: true };

describe.skipIf(why !== '')(`iptables firewall in a namespace of its own ${why}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-it-fw-'));
  const containers: Container[] = [];
  const fw = new IptablesFirewall({ chainPrefix: `CEIT${tag}`, netns: hostPath });
  let hostBefore = '';

  function bridge(net: FirewallNetwork, gateway: string): void {
    run(['ip', '-n', HOST, 'link', 'add', net.bridge, 'type', 'bridge']);
    run(['ip', '-n', HOST, 'addr', 'add', `${gateway}/24`, 'dev', net.bridge]);
    run(['ip', '-n', HOST, 'link', 'set', net.bridge, 'up']);
  }

  async function container(name: string, net: FirewallNetwork, ip: string, gateway: string): Promise<Container> {
    const n = ns(name);
    run(['ip', 'netns', 'add', n]);
    const hostIf = `v${name}${tag}`.slice(0, 15);
    run(['ip', '-n', HOST, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n]);
    run(['ip', '-n', HOST, 'link', 'set', hostIf, 'master', net.bridge]);
    run(['ip', '-n', HOST, 'link', 'set', hostIf, 'type', 'bridge_slave', 'hairpin', 'on']);
    run(['ip', '-n', HOST, 'link', 'set', hostIf, 'up']);
    run(['ip', '-n', n, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    run(['ip', '-n', n, 'link', 'set', 'eth0', 'up']);
    run(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
    run(['ip', '-n', n, 'route', 'add', 'default', 'via', gateway]);
    const docroot = join(dir, name);
    rmSync(docroot, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', docroot]);
    writeFileSync(join(docroot, 'index.html'), `hello from ${name}\n`);
    const httpd = spawn('ip', ['netns', 'exec', n, busybox!, 'httpd', '-f', '-p', '80', '-h', docroot], { stdio: 'ignore' });
    const c = { name: n, ip, httpd };
    containers.push(c);
    for (let i = 0; i < 50 && get(n, 'http://127.0.0.1/') === null; i++) await new Promise((r) => setTimeout(r, 100));
    return c;
  }

  beforeAll(async () => {
    hostBefore = hostSave();
    run(['ip', 'netns', 'add', HOST]);
    run(['ip', '-n', HOST, 'link', 'set', 'lo', 'up']);
    // A new namespace copies the machine's forwarding setting: start from off, as a fresh host.
    inNs(HOST, ['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
    // The host's own address, beside its loopback.
    run(['ip', '-n', HOST, 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'ext1']);
    run(['ip', '-n', HOST, 'addr', 'add', `${HOST_IP}/24`, 'dev', 'ext0']);
    run(['ip', '-n', HOST, 'link', 'set', 'ext0', 'up']);
    run(['ip', '-n', HOST, 'link', 'set', 'ext1', 'up']);
    bridge(netA, '10.203.1.1');
    bridge(netB, '10.203.2.1');
    bridge(netI, '10.203.3.1');
    await fw.init();
    for (const net of [netA, netB, netI]) await fw.addNetwork(net);
  });

  afterAll(async () => {
    for (const c of containers) c.httpd.kill('SIGKILL');
    await fw.reset().catch(() => {});
    for (const c of containers) run(['ip', 'netns', 'del', c.name], false);
    run(['ip', 'netns', 'del', HOST], false);
    rmSync(dir, { recursive: true, force: true });
    // The machine's own tables never changed.
    expect(hostSave()).toBe(hostBefore);
  });

  it('turns forwarding on in its namespace and says what it was', () => {
    expect(inNs(HOST, ['cat', '/proc/sys/net/ipv4/ip_forward']).out.trim()).toBe('1');
    expect(fw.previousHostSettings()['net/ipv4/ip_forward']).toBe('0');
    expect(inNs(HOST, ['iptables-save', '-t', 'filter']).out).toContain(':FORWARD DROP');
    expect(inNs(HOST, ['cat', `/proc/sys/net/ipv4/conf/${netA.bridge}/route_localnet`]).out.trim()).toBe('1');
  });

  it('programs exactly the rules it generates, as iptables-save prints them', () => {
    const save = inNs(HOST, ['iptables-save']).out;
    const p = fw.chains.prefix;
    expect(save).toContain(`-A FORWARD -j ${p}-FORWARD`);
    expect(save).toContain(`-A ${p}-POSTROUTING -s 10.203.1.0/24 ! -o ${netA.bridge} -j MASQUERADE`);
    expect(save).toContain(`-A ${p}-ISOLATION-1 ! -d 10.203.3.0/24 -i ${netI.bridge} -j DROP`);
    // An internal network never masquerades and never forwards out.
    expect(save).not.toContain('-s 10.203.3.0/24 ! -o');
    expect(save).not.toContain(`-i ${netI.bridge} ! -o ${netI.bridge} -j ACCEPT`);
  });

  it('a published port answers on the host loopback and on its address, and a container reaches its own port (hairpin)', async () => {
    const c1 = await container('c1', netA, '10.203.1.2', '10.203.1.1');
    const c2 = await container('c2', netA, '10.203.1.3', '10.203.1.1');
    const mapping: PortMapping = { protocol: 'tcp', hostIp: '', hostPort: 8080, containerIp: c1.ip, containerPort: 80, bridge: netA.bridge, containerId: 'c1' };
    expect(get(HOST, 'http://127.0.0.1:8080/')).toBeNull();
    await fw.addPortMappings([mapping]);
    expect(await fw.listPortMappings()).toEqual([mapping]);
    expect(get(HOST, 'http://127.0.0.1:8080/')).toBe('hello from c1');
    expect(get(HOST, `http://${HOST_IP}:8080/`)).toBe('hello from c1');
    expect(get(c1.name, `http://${HOST_IP}:8080/`)).toBe('hello from c1');
    expect(get(c2.name, `http://${HOST_IP}:8080/`)).toBe('hello from c1');
    await fw.removePortMappings([mapping]);
    expect(await fw.listPortMappings()).toEqual([]);
    expect(get(HOST, 'http://127.0.0.1:8080/')).toBeNull();
  });

  it('publishes on one host address only when asked', async () => {
    const c1 = containers.find((c) => c.name.endsWith('-c1'))!;
    const mapping: PortMapping = { protocol: 'tcp', hostIp: HOST_IP, hostPort: 8081, containerIp: c1.ip, containerPort: 80, bridge: netA.bridge, containerId: 'c1' };
    await fw.addPortMappings([mapping]);
    try {
      expect(get(HOST, `http://${HOST_IP}:8081/`)).toBe('hello from c1');
      expect(get(HOST, 'http://127.0.0.1:8081/')).toBeNull();
    } finally {
      await fw.removePortMappings([mapping]);
    }
  });

  it('publishes a UDP port', async () => {
    const c1 = containers.find((c) => c.name.endsWith('-c1'))!;
    const echo = spawn(
      'ip',
      ['netns', 'exec', c1.name, process.execPath, '-e', "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('pong '+m,r.port,r.address));s.bind(53)"],
      { stdio: 'ignore' },
    );
    const ask = (host: string) => {
      const client = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{console.log(m.toString());process.exit(0)});s.send('ping',5353,'${host}');setTimeout(()=>process.exit(1),2000)`;
      const r = spawnSync('ip', ['netns', 'exec', HOST, process.execPath, '-e', client], { encoding: 'utf8', timeout: 10_000 });
      return r.status === 0 ? r.stdout.trim() : null;
    };
    const mapping: PortMapping = { protocol: 'udp', hostIp: '', hostPort: 5353, containerIp: c1.ip, containerPort: 53, bridge: netA.bridge, containerId: 'c1' };
    try {
      await fw.addPortMappings([mapping]);
      let answer: string | null = null;
      // The echo server may still be starting: a bounded number of tries.
      for (let i = 0; i < 10 && answer === null; i++) answer = ask('127.0.0.1');
      expect(answer).toBe('pong ping');
      expect(ask(HOST_IP)).toBe('pong ping');
    } finally {
      echo.kill('SIGKILL');
      await fw.removePortMappings([mapping]);
    }
  });

  it('isolates two bridges from each other', async () => {
    const c1 = containers.find((c) => c.name.endsWith('-c1'))!;
    const c3 = await container('c3', netB, '10.203.2.2', '10.203.2.1');
    expect(get(c3.name, `http://${c1.ip}/`)).toBeNull();
    expect(get(c1.name, `http://${c3.ip}/`)).toBeNull();
    // The same path works once the isolation rules are gone (each direction has its own): it was the isolation that stopped it.
    for (const net of [netA, netB]) inNs(HOST, ['iptables', '-D', `${fw.chains.prefix}-ISOLATION-2`, '-o', net.bridge, '-j', 'DROP']);
    try {
      expect(get(c3.name, `http://${c1.ip}/`)).toBe('hello from c1');
    } finally {
      await fw.addNetwork(netA);
      await fw.addNetwork(netB);
    }
    expect(get(c3.name, `http://${c1.ip}/`)).toBeNull();
  });

  it('an internal network reaches nothing outside it, and its members reach each other', async () => {
    const i1 = await container('i1', netI, '10.203.3.2', '10.203.3.1');
    const i2 = await container('i2', netI, '10.203.3.3', '10.203.3.1');
    const c1 = containers.find((c) => c.name.endsWith('-c1'))!;
    expect(get(i2.name, `http://${i1.ip}/`)).toBe('hello from i1');
    expect(get(i1.name, `http://${c1.ip}/`)).toBeNull();
    expect(get(c1.name, `http://${i1.ip}/`)).toBeNull();
  });

  it('reset leaves no chain and no jump of its prefix', async () => {
    await fw.reset();
    const save = inNs(HOST, ['iptables-save']).out;
    expect(save).not.toContain(fw.chains.prefix);
    await fw.restoreHostSettings();
    expect(inNs(HOST, ['cat', '/proc/sys/net/ipv4/ip_forward']).out.trim()).toBe('0');
    expect(inNs(HOST, ['iptables-save', '-t', 'filter']).out).toContain(':FORWARD ACCEPT');
  });
});
