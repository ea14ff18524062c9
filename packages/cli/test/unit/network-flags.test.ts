// docker run/create's networking flags → what ce sends ced; expected values
// are what docker 20.10.24's CLI sent for the same flags (read back with
// docker inspect from a private dockerd).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addNetworkFlags, NetworkFlagError, networkRequest, type NetworkFlags } from '../../src/network-flags.js';

const none: NetworkFlags = { network: [], networkAlias: [], publish: [], expose: [], dns: [], dnsSearch: [], dnsOption: [], addHost: [], link: [] };
const request = (flags: Partial<NetworkFlags>) => networkRequest({ ...none, ...flags });
const problem = (flags: Partial<NetworkFlags>) => {
  try {
    request(flags);
  } catch (err) {
    return { flag: err instanceof NetworkFlagError, message: (err as Error).message };
  }
  throw new Error('no error');
};

describe('run/create networking flags', () => {
  it('sends nothing when no flag is given (ced applies its default network)', () => {
    expect(request({})).toEqual({ config: {}, hostConfig: {} });
  });

  it('fills Config and HostConfig as docker does', () => {
    const r = request({
      dnsOption: ['ndots:2', 'x'],
      dns: [' 1.1.1.1'],
      dnsSearch: ['example.com'],
      addHost: ['h:1.2.3.4', 'g:host-gateway'],
      domainname: 'dom',
      macAddress: '02:42:ac:11:00:02',
      publish: ['127.0.0.1:8080:80'],
      publishAll: true,
      expose: ['90'],
    });
    expect(r).toEqual({
      config: { Domainname: 'dom', MacAddress: '02:42:ac:11:00:02', ExposedPorts: { '80/tcp': {}, '90/tcp': {} } },
      hostConfig: {
        Dns: ['1.1.1.1'],
        DnsSearch: ['example.com'],
        DnsOptions: ['ndots:2', 'x'],
        ExtraHosts: ['h:1.2.3.4', 'g:host-gateway'],
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
        PublishAllPorts: true,
      },
    });
  });

  it('puts --network-alias, --link and --ip on the first network', () => {
    const r = request({ network: ['n1'], networkAlias: ['al'], link: ['x:y'], ip: '10.99.0.5' });
    expect(r.hostConfig).toEqual({ NetworkMode: 'n1', Links: ['x:y'] });
    expect(r.networkingConfig).toEqual({ EndpointsConfig: { n1: { Aliases: ['al'], Links: ['x:y'], IPAMConfig: { IPv4Address: '10.99.0.5' } } } });
  });

  it('sends no endpoint for one network without settings, and one per network for several', () => {
    expect(request({ network: ['n1'] })).toEqual({ config: {}, hostConfig: { NetworkMode: 'n1' } });
    expect(request({ network: ['n1', 'n2'] }).networkingConfig).toEqual({ EndpointsConfig: { n1: {}, n2: {} } });
    expect(request({ network: ['host'] }).hostConfig).toEqual({ NetworkMode: 'host' });
    expect(request({ network: ['container:web'] }).hostConfig).toEqual({ NetworkMode: 'container:web' });
  });

  it("reads --network's long form", () => {
    const r = request({ network: ['name=n1,alias=x,alias=y,driver-opt=k=v'] });
    expect(r.hostConfig.NetworkMode).toBe('n1');
    expect(r.networkingConfig).toEqual({ EndpointsConfig: { n1: { Aliases: ['x', 'y'], DriverOpts: { k: 'v' } } } });
  });

  it("refuses bad values in docker's words", () => {
    expect(problem({ addHost: ['x'] })).toEqual({ flag: true, message: 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"' });
    expect(problem({ addHost: ['x:bad'] })).toEqual({ flag: true, message: 'invalid argument "x:bad" for "--add-host" flag: invalid IP address in add-host: "bad"' });
    expect(problem({ dns: ['bad'] })).toEqual({ flag: true, message: 'invalid argument "bad" for "--dns" flag: bad is not an ip address' });
    expect(problem({ link: ['a:b:c'] })).toEqual({ flag: true, message: 'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c' });
    expect(problem({ network: ['name=n1,bad=x'] })).toEqual({ flag: true, message: 'invalid argument "name=n1,bad=x" for "--network" flag: invalid field key bad' });
    expect(problem({ macAddress: 'bad' })).toEqual({ flag: false, message: 'bad is not a valid mac address.' });
    expect(problem({ publish: ['bad'] })).toEqual({ flag: false, message: 'Invalid containerPort: bad.' });
    expect(problem({ expose: ['a:b'] })).toEqual({ flag: false, message: 'invalid port format for --expose: a:b.' });
  });

  it("refuses combinations docker's CLI refuses", () => {
    const conflict = 'conflicting options: cannot attach both user-defined and non-user-defined network-modes.';
    expect(problem({ network: ['n1', 'host'] })).toEqual({ flag: false, message: conflict });
    expect(problem({ network: ['none', 'n1'] })).toEqual({ flag: false, message: conflict });
    expect(problem({ network: ['n1', 'n1'] })).toEqual({ flag: false, message: 'network "n1" is specified multiple times.' });
    expect(problem({ network: ['bridge'], link: ['a'] })).toEqual({ flag: false, message: 'links are only supported for user-defined networks.' });
    expect(problem({ network: ['bridge'], networkAlias: ['a'] })).toEqual({ flag: false, message: 'network-scoped aliases are only supported for user-defined networks.' });
    expect(problem({ network: ['name=n1,alias=x'], networkAlias: ['y'] }).message).toBe('conflicting options: cannot specify both --network-alias and per-network alias.');
  });

  it('accepts the MAC address forms Go does', () => {
    for (const mac of ['02:42:ac:11:00:02', '02-42-AC-11-00-02', '0242.ac11.0002']) expect(request({ macAddress: mac }).config.MacAddress).toBe(mac);
    expect(problem({ macAddress: '02:42:ac:11:00' }).message).toMatch(/not a valid mac address/);
  });
});

describe('run/create networking flag parsing', () => {
  const parse = (args: string[]) => addNetworkFlags(new Command('create').exitOverride()).parse(args, { from: 'user' }).opts<NetworkFlags>();

  it('keeps --net and --network in one list, in the order given, as docker does', () => {
    expect(parse(['--net', 'a', '--network', 'b', '--net', 'c']).network).toEqual(['a', 'b', 'c']);
    expect(parse(['--dns-opt', 'x', '--dns-option', 'y']).dnsOption).toEqual(['x', 'y']);
  });

  it('reads -p and -P apart', () => {
    const opts = parse(['-p', '80', '-P', '-p', '8080:81/udp']);
    expect(opts.publish).toEqual(['80', '8080:81/udp']);
    expect(opts.publishAll).toBe(true);
  });
});
