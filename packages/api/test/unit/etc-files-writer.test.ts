import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { etcFilesWriter, parseLink } from '../../src/networking/etc-files-writer.js';
import { testRecord } from '../support/record.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function writer(extra: Partial<Parameters<typeof etcFilesWriter>[0]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-etc-'));
  dirs.push(dir);
  const resolvers: unknown[] = [];
  const w = etcFilesWriter({
    containerDir: () => dir,
    hostGatewayIp: '10.210.0.1',
    hostResolvConf: async () => 'nameserver 127.0.0.53\nsearch example.test\n',
    hostEtcHosts: async () => '127.0.0.1 localhost\n10.1.2.3 buildhost\n',
    setResolver: (id, s) => resolvers.push([id, s]),
    ...extra,
  });
  return { w, dir, resolvers };
}

describe("a container's /etc files", () => {
  it('on the default bridge: its address and hostname, --add-host with host-gateway, --link, and the host resolv.conf without loopback servers', async () => {
    const record = testRecord({ hostConfig: { ExtraHosts: ['db.local:10.9.9.9', 'gw:host-gateway'], Links: ['/web:/me/www'] } });
    const { w, dir, resolvers } = writer({ linkedContainer: (ref) => (ref === 'web' ? { name: 'web', hostname: 'abcdef012345', ipv4: '10.210.0.7' } : undefined) });
    const paths = await w.write(record, { hostNetwork: false, addresses: ['10.210.0.5'], dnsServers: [] });
    expect(paths.hosts).toBe(join(dir, 'hosts'));
    const hosts = readFileSync(paths.hosts, 'utf8');
    expect(hosts).toContain('10.9.9.9\tdb.local\n10.210.0.1\tgw\n10.210.0.7\twww abcdef012345 web\n');
    expect(hosts.endsWith(`10.210.0.5\t${record.Config.Hostname}\n`)).toBe(true);
    expect(readFileSync(paths.hostname, 'utf8')).toBe(`${record.Config.Hostname}\n`);
    const resolv = readFileSync(paths.resolvConf, 'utf8');
    expect(resolv).not.toContain('127.0.0.53');
    expect(resolv).toContain('search example.test');
    expect(resolv).toContain('nameserver 8.8.8.8');
    expect(resolvers).toEqual([]);
  });

  it("on a user-defined network: the network's DNS server, forwarding to the host's resolvers", async () => {
    const record = testRecord();
    const { w, resolvers } = writer();
    const paths = await w.write(record, { hostNetwork: false, addresses: ['10.211.0.2'], dnsServers: ['10.211.0.1'] });
    const resolv = readFileSync(paths.resolvConf, 'utf8');
    expect(resolv).toContain('nameserver 10.211.0.1');
    expect(resolv).toContain('options ndots:0');
    expect(resolvers).toEqual([[record.Id, { upstreams: ['127.0.0.53'], ndotsSet: false }]]);
  });

  it('gives the embedded DNS server back what it kept of a running container after a restart, without touching its files', async () => {
    const record = testRecord({ hostConfig: { Dns: ['10.0.0.99'], DnsOptions: ['ndots:2'] } });
    const { w, dir, resolvers } = writer();
    await w.resume(record, { hostNetwork: false, addresses: ['10.211.0.2'], dnsServers: ['10.211.0.1'] });
    expect(resolvers).toEqual([[record.Id, { upstreams: ['10.0.0.99'], ndotsSet: true }]]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("the container's --dns replaces the host's servers; ced's --dns applies when it has none", async () => {
    const { w } = writer({ daemonDns: { dns: ['10.0.0.53'], dnsSearch: [], dnsOptions: [] } });
    const own = await w.write(testRecord({ hostConfig: { Dns: ['10.0.0.99'] } }), { hostNetwork: false, addresses: ['10.210.0.5'], dnsServers: [] });
    expect(readFileSync(own.resolvConf, 'utf8')).toContain('nameserver 10.0.0.99');
    const daemons = await w.write(testRecord(), { hostNetwork: false, addresses: ['10.210.0.5'], dnsServers: [] });
    expect(readFileSync(daemons.resolvConf, 'utf8')).toContain('nameserver 10.0.0.53');
  });

  it("--network host: the host's own files", async () => {
    const { w } = writer();
    const paths = await w.write(testRecord(), { hostNetwork: true, addresses: [], dnsServers: [] });
    expect(readFileSync(paths.hosts, 'utf8')).toBe('127.0.0.1 localhost\n10.1.2.3 buildhost\n');
    expect(readFileSync(paths.resolvConf, 'utf8')).toBe('nameserver 127.0.0.53\nsearch example.test\n');
  });

  it("reads Docker's link notation", () => {
    expect(parseLink('/web:/app/db')).toEqual({ target: 'web', alias: 'db' });
    expect(parseLink('web:db')).toEqual({ target: 'web', alias: 'db' });
  });
});
