import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  containerResolvConf,
  filterResolvConf,
  hostResolvConfPath,
  readHostResolvConf,
  resolvNameservers,
  resolvOptions,
  resolvSearchDomains,
} from '../../src/index.js';

// A systemd-resolved host: only the stub resolver, a comment, options and search.
const STUB_HOST = '# managed by systemd\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n';
const PLAIN_HOST = 'nameserver 10.255.255.53\nnameserver 2001:db8::53\nsearch corp.example\n';

describe('resolv.conf text as libnetwork reads it', () => {
  it('nameservers by kind, the last search and options lines, comments cut', () => {
    const text = 'nameserver 1.1.1.1 # one\n  nameserver   2001:db8::1\nnameserver bogus\nsearch a b\nsearch c  d\noptions x # y\noptions ndots:2 rotate\n';
    expect(resolvNameservers(text)).toEqual(['1.1.1.1', '2001:db8::1']);
    expect(resolvNameservers(text, 'ipv4')).toEqual(['1.1.1.1']);
    expect(resolvNameservers(text, 'ipv6')).toEqual(['2001:db8::1']);
    expect(resolvSearchDomains(text)).toEqual(['c', 'd']);
    expect(resolvOptions(text)).toEqual(['ndots:2', 'rotate']);
  });

  it('filtering drops localhost (and IPv6 without IPv6) and falls back to Google with a blank line', () => {
    expect(filterResolvConf(PLAIN_HOST, true)).toBe(PLAIN_HOST);
    expect(filterResolvConf(PLAIN_HOST, false)).toBe('nameserver 10.255.255.53\nsearch corp.example\n');
    expect(filterResolvConf(STUB_HOST, false)).toBe('# managed by systemd\noptions edns0 trust-ad\nsearch lan\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4');
    expect(filterResolvConf('nameserver ::1\n', true)).toBe(
      '\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844',
    );
  });
});

describe("a container's /etc/resolv.conf", () => {
  it('default bridge: the host file filtered; the embedded server forwards to the host servers as they were', () => {
    expect(containerResolvConf({ hostResolvConf: PLAIN_HOST })).toEqual({ content: 'nameserver 10.255.255.53\nsearch corp.example\n', upstreams: ['10.255.255.53'], ndotsSet: false });
    // setupDNS filters with IPv6 on, joining a network without IPv6 drops the IPv6 defaults again.
    expect(containerResolvConf({ hostResolvConf: STUB_HOST }).content).toBe('# managed by systemd\noptions edns0 trust-ad\nsearch lan\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(containerResolvConf({ hostResolvConf: undefined }).content).toBe('\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it('user-defined network: the embedded server alone, the host search and options kept, ndots:0 added', () => {
    expect(containerResolvConf({ hostResolvConf: STUB_HOST, embeddedDns: ['172.18.0.1'] })).toEqual({
      content: 'search lan\nnameserver 172.18.0.1\noptions edns0 trust-ad ndots:0\n',
      upstreams: ['127.0.0.53'],
      ndotsSet: false,
    });
    // IPv6 nameservers stay listed after the embedded one on an IPv6 network.
    expect(containerResolvConf({ hostResolvConf: PLAIN_HOST, embeddedDns: ['172.18.0.1'], ipv6Enabled: true }).content).toBe(
      'search corp.example\nnameserver 172.18.0.1\nnameserver 2001:db8::53\noptions ndots:0\n',
    );
    // No host file: the servers are Google's, forwarded to from the embedded server.
    expect(containerResolvConf({ hostResolvConf: undefined, embeddedDns: ['10.9.0.1'] })).toEqual({ content: 'nameserver 10.9.0.1\noptions ndots:0\n', upstreams: ['8.8.8.8', '8.8.4.4'], ndotsSet: false });
  });

  it('--dns, --dns-search and --dns-option each replace the host line of their kind', () => {
    expect(containerResolvConf({ hostResolvConf: STUB_HOST, dns: ['1.1.1.1', '2606:4700::1111'] })).toEqual({
      content: 'search lan\nnameserver 1.1.1.1\nnameserver 2606:4700::1111\noptions edns0 trust-ad\n',
      upstreams: ['1.1.1.1'],
      ndotsSet: false,
    });
    // Only --dns-search: the host's nameservers are kept, localhost ones too (Docker does not filter then).
    expect(containerResolvConf({ hostResolvConf: STUB_HOST, dnsSearch: ['x.example'] }).content).toBe('search x.example\nnameserver 127.0.0.53\noptions edns0 trust-ad\n');
    expect(containerResolvConf({ hostResolvConf: PLAIN_HOST, dnsSearch: ['.'] }).content).toBe('nameserver 10.255.255.53\nnameserver 2001:db8::53\n');
    const user = containerResolvConf({ hostResolvConf: PLAIN_HOST, embeddedDns: ['172.18.0.1'], dns: ['9.9.9.9'], dnsOptions: ['ndots:3', 'timeout:1'] });
    expect(user).toEqual({ content: 'search corp.example\nnameserver 172.18.0.1\noptions ndots:3 timeout:1\n', upstreams: ['9.9.9.9'], ndotsSet: true });
  });

  it('--network host: the host file as it is, unless --dns options are given', () => {
    expect(containerResolvConf({ hostResolvConf: STUB_HOST, hostNetwork: true }).content).toBe(STUB_HOST);
    expect(containerResolvConf({ hostResolvConf: undefined, hostNetwork: true }).content).toBe('');
    expect(containerResolvConf({ hostResolvConf: STUB_HOST, hostNetwork: true, dns: ['1.1.1.1'] }).content).toBe('search lan\nnameserver 1.1.1.1\noptions edns0 trust-ad\n');
  });

  it('a malformed ndots option is refused', () => {
    expect(() => containerResolvConf({ hostResolvConf: PLAIN_HOST, embeddedDns: ['10.0.0.1'], dnsOptions: ['ndots:x'] })).toThrow('invalid number for ndots option: x');
    expect(() => containerResolvConf({ hostResolvConf: PLAIN_HOST, embeddedDns: ['10.0.0.1'], dnsOptions: ['ndots:-1'] })).toThrow('invalid number for ndots option: -1');
    expect(() => containerResolvConf({ hostResolvConf: PLAIN_HOST, embeddedDns: ['10.0.0.1'], dnsOptions: ['ndots'] })).toThrow('invalid ndots option ndots');
  });

  it("the host's file: systemd-resolved's own when /etc/resolv.conf names only the stub", async () => {
    expect(hostResolvConfPath(STUB_HOST)).toBe('/run/systemd/resolve/resolv.conf');
    expect(hostResolvConfPath(PLAIN_HOST)).toBe('/etc/resolv.conf');
    expect(hostResolvConfPath(undefined)).toBe('/etc/resolv.conf');
    const dir = await mkdtemp(join(tmpdir(), 'ce-resolv-'));
    try {
      await writeFile(join(dir, 'resolv.conf'), PLAIN_HOST);
      expect(await readHostResolvConf(join(dir, 'resolv.conf'))).toBe(PLAIN_HOST);
      expect(await readHostResolvConf(join(dir, 'missing'))).toBeUndefined();
      expect(await readFile(join(dir, 'resolv.conf'), 'utf8')).toBe(PLAIN_HOST);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
