import { describe, expect, it } from 'vitest';
import { buildHostNetworkHostsFile, buildHostsFile, linkHostsRecords, parseExtraHost, parseExtraHosts } from '../../src/index.js';
import { LOCALHOST_BLOCK } from './support/localhost-block.js';

describe('/etc/hosts as Docker 20.10 writes it', () => {
  it('a default container: the localhost block, then its address and hostname', () => {
    expect(buildHostsFile({ hostname: '4f0c2d9b1a3e', addresses: ['172.17.0.2'] })).toBe(`${LOCALHOST_BLOCK}172.17.0.2\t4f0c2d9b1a3e\n`);
  });

  it('--network none: no line of its own', () => {
    expect(buildHostsFile({ hostname: 'box', addresses: [] })).toBe(LOCALHOST_BLOCK);
  });

  it('a domain name (or a dotted hostname) gives the FQDN and the short name', () => {
    expect(buildHostsFile({ hostname: 'web', domainname: 'example.com', addresses: ['10.0.0.2'] })).toBe(`${LOCALHOST_BLOCK}10.0.0.2\tweb.example.com web\n`);
    expect(buildHostsFile({ hostname: 'db.internal.lan', addresses: ['10.0.0.3'] })).toBe(`${LOCALHOST_BLOCK}10.0.0.3\tdb.internal.lan db\n`);
  });

  it('--add-host and --link entries before the own lines, one own line per network', () => {
    const extraHosts = [
      ...parseExtraHosts(['api:10.1.2.3', 'v6:2001:db8::1', 'gw:host-gateway'], '172.17.0.1'),
      ...linkHostsRecords([
        { alias: 'db', name: 'postgres1', hostname: 'a1b2c3d4e5f6', ipv4: '172.17.0.5' },
        { alias: 'cache', name: 'cache', hostname: 'f6e5d4c3b2a1', ipv4: '172.17.0.6' },
      ]),
    ];
    expect(buildHostsFile({ hostname: 'app', addresses: ['172.17.0.2', '172.20.0.2'], extraHosts })).toBe(
      LOCALHOST_BLOCK +
        '10.1.2.3\tapi\n' +
        '2001:db8::1\tv6\n' +
        '172.17.0.1\tgw\n' +
        '172.17.0.5\tdb a1b2c3d4e5f6 postgres1\n' +
        '172.17.0.6\tcache f6e5d4c3b2a1\n' +
        '172.17.0.2\tapp\n' +
        '172.20.0.2\tapp\n',
    );
  });

  it('--network host: the host file as it is, or the localhost block and the extra hosts', () => {
    expect(buildHostNetworkHostsFile('127.0.0.1 localhost\n127.0.1.1 vm\n')).toBe('127.0.0.1 localhost\n127.0.1.1 vm\n');
    expect(buildHostNetworkHostsFile(undefined)).toBe('');
    expect(buildHostNetworkHostsFile('ignored', [{ ip: '10.0.0.9', names: 'x' }])).toBe(`${LOCALHOST_BLOCK}10.0.0.9\tx\n`);
  });

  it('--add-host errors use Docker words', () => {
    expect(() => parseExtraHost('nocolon')).toThrow('bad format for add-host: "nocolon"');
    expect(() => parseExtraHost(':1.2.3.4')).toThrow('bad format for add-host: ":1.2.3.4"');
    expect(() => parseExtraHost('a:not-an-ip')).toThrow('invalid IP address in add-host: "not-an-ip"');
    expect(() => parseExtraHost('a:host-gateway')).toThrow('unable to derive the IP value for host-gateway');
    expect(parseExtraHost('a:host-gateway', '192.168.1.1')).toEqual({ ip: '192.168.1.1', names: 'a' });
  });
});
