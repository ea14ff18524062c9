// The files Debian's Docker 20.10.24 wrote for busybox containers (a private
// dockerd with its own bridge 10.213.76.1/24, a user network 10.213.77.0/24,
// and this host resolv.conf bind-mounted over its /etc/resolv.conf), each
// compared byte for byte with what ce computes from the same inputs.
import { describe, expect, it } from 'vitest';
import { buildHostsFile, containerResolvConf, hostnameFile, linkHostsRecords, parseExtraHosts } from '../../src/index.js';
import { LOCALHOST_BLOCK } from './support/localhost-block.js';

const HOST = '# test host\nnameserver 127.0.0.1\nnameserver 2001:db8::53\noptions edns0 trust-ad\nsearch lan\n';

describe('Docker 20.10.24, observed', () => {
  it('default bridge: `--link db:database --link db --add-host a:1.2.3.4 --add-host gw:host-gateway --add-host v6:2001:db8::1 -h web --domainname example.com`', () => {
    const extraHosts = [
      ...parseExtraHosts(['a:1.2.3.4', 'gw:host-gateway', 'v6:2001:db8::1'], '10.213.76.1'),
      ...linkHostsRecords([
        { alias: 'database', name: 'db', hostname: 'dbhost', ipv4: '10.213.76.2' },
        { alias: 'db', name: 'db', hostname: 'dbhost', ipv4: '10.213.76.2' },
      ]),
    ];
    expect(buildHostsFile({ hostname: 'web', domainname: 'example.com', addresses: ['10.213.76.3'], extraHosts })).toBe(
      LOCALHOST_BLOCK +
        '1.2.3.4\ta\n10.213.76.1\tgw\n2001:db8::1\tv6\n10.213.76.2\tdatabase dbhost db\n10.213.76.2\tdb dbhost\n10.213.76.3\tweb.example.com web\n',
    );
    // No newline after the last default server: Docker's own output.
    expect(containerResolvConf({ hostResolvConf: HOST }).content).toBe('# test host\noptions edns0 trust-ad\nsearch lan\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4');
    expect(hostnameFile('web')).toBe('web\n');
  });

  it('--network none: no own line, the resolv.conf of the default bridge', () => {
    expect(buildHostsFile({ hostname: 'box', addresses: [] })).toBe(LOCALHOST_BLOCK);
    expect(containerResolvConf({ hostResolvConf: HOST }).content).toBe('# test host\noptions edns0 trust-ad\nsearch lan\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4');
  });

  it('default bridge with --dns-search x.example: the host nameservers unfiltered', () => {
    expect(containerResolvConf({ hostResolvConf: HOST, dnsSearch: ['x.example'] }).content).toBe(
      'search x.example\nnameserver 127.0.0.1\nnameserver 2001:db8::53\noptions edns0 trust-ad\n',
    );
  });

  it('--network host: the host file; with --dns 1.1.1.1 a new one', () => {
    expect(containerResolvConf({ hostResolvConf: HOST, hostNetwork: true }).content).toBe(HOST);
    expect(containerResolvConf({ hostResolvConf: HOST, hostNetwork: true, dns: ['1.1.1.1'] }).content).toBe('search lan\nnameserver 1.1.1.1\noptions edns0 trust-ad\n');
  });

  // Docker's nameserver is 127.0.0.11; ce's the network's gateway (decision 0037), the rest is the same.
  it('user network: the embedded server, search and options kept, ndots:0', () => {
    expect(buildHostsFile({ hostname: 'me', addresses: ['10.213.77.3'] })).toBe(`${LOCALHOST_BLOCK}10.213.77.3\tme\n`);
    expect(containerResolvConf({ hostResolvConf: HOST, embeddedDns: ['127.0.0.11'] })).toEqual({
      content: 'search lan\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n',
      upstreams: ['127.0.0.1'],
      ndotsSet: false,
    });
  });

  it('user network with --dns 9.9.9.9 --dns-option ndots:3 --dns-option timeout:1', () => {
    expect(containerResolvConf({ hostResolvConf: HOST, embeddedDns: ['127.0.0.11'], dns: ['9.9.9.9'], dnsOptions: ['ndots:3', 'timeout:1'] })).toEqual({
      content: 'search lan\nnameserver 127.0.0.11\noptions ndots:3 timeout:1\n',
      upstreams: ['9.9.9.9'],
      ndotsSet: true,
    });
  });

  it('user network with --dns-search a.example: the host IPv6 nameserver stays listed', () => {
    expect(containerResolvConf({ hostResolvConf: HOST, embeddedDns: ['127.0.0.11'], dnsSearch: ['a.example'] }).content).toBe(
      'search a.example\nnameserver 127.0.0.11\nnameserver 2001:db8::53\noptions edns0 trust-ad ndots:0\n',
    );
  });
});
