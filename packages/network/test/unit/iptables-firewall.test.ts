import { beforeEach, describe, expect, it } from 'vitest';
import type { FirewallNetwork, PortMapping } from '../../src/firewall.js';
import { FORWARD_POLICY, IptablesFirewall } from '../../src/firewall/iptables-firewall.js';
import { FakeIptables, FakeSysctls } from './fake-iptables.js';

const net: FirewallNetwork = { id: 'n1', bridge: 'br-t1', subnet: '10.77.1.0/24', internal: false, icc: true, masquerade: true };
const m80: PortMapping = { protocol: 'tcp', hostIp: '', hostPort: 8080, containerIp: '10.77.1.2', containerPort: 80, bridge: 'br-t1', containerId: 'c1' };
const m80b: PortMapping = { ...m80, hostIp: '127.0.0.1', hostPort: 8081 };

let ipt: FakeIptables;
let sysctls: FakeSysctls;
let fw: IptablesFirewall;

beforeEach(() => {
  ipt = new FakeIptables();
  sysctls = new FakeSysctls();
  sysctls.values.set('net/ipv4/ip_forward', '0');
  sysctls.values.set('net/bridge/bridge-nf-call-iptables', '1');
  sysctls.values.set('net/ipv4/conf/br-t1/route_localnet', '0');
  fw = new IptablesFirewall({ chainPrefix: 'CET', runner: ipt, sysctls });
});

describe('IptablesFirewall', () => {
  it('init creates its chains and jumps once, turns forwarding on and remembers it was off', async () => {
    await fw.init();
    await fw.init();
    expect(ipt.userChains().sort()).toEqual(['filter:CET', 'filter:CET-FORWARD', 'filter:CET-ISOLATION-1', 'filter:CET-ISOLATION-2', 'nat:CET', 'nat:CET-POSTROUTING']);
    expect(ipt.rules()).toEqual([
      'filter -A FORWARD -j CET-FORWARD',
      'filter -A CET-FORWARD -j CET-ISOLATION-1',
      'nat -A PREROUTING -m addrtype --dst-type LOCAL -j CET',
      'nat -A OUTPUT -m addrtype --dst-type LOCAL -j CET',
      'nat -A POSTROUTING -j CET-POSTROUTING',
    ]);
    // The chains and jumps, then the FORWARD policy; the second init changes nothing.
    expect(ipt.restores).toHaveLength(2);
    expect(fw.previousHostSettings()).toEqual({ 'net/ipv4/ip_forward': '0', [FORWARD_POLICY]: 'ACCEPT' });
    expect(sysctls.values.get('net/ipv4/ip_forward')).toBe('1');
    // Forwarding was off: the host routes only what ce accepts, as dockerd does.
    expect(ipt.policies.get('filter:FORWARD')).toBe('DROP');
    await fw.restoreHostSettings();
    expect(sysctls.values.get('net/ipv4/ip_forward')).toBe('0');
    expect(ipt.policies.get('filter:FORWARD')).toBe('ACCEPT');
  });

  it('leaves the FORWARD policy alone when forwarding was on already', async () => {
    sysctls.values.set('net/ipv4/ip_forward', '1');
    await fw.init();
    expect(fw.previousHostSettings()).toEqual({});
    expect(ipt.policies.get('filter:FORWARD')).toBeUndefined();
  });

  it('adds a network and its ports once, however often asked, and lists the ports back', async () => {
    await fw.init();
    await fw.addNetwork(net);
    await fw.addNetwork(net);
    await fw.addPortMappings([m80, m80b]);
    await fw.addPortMappings([m80]);
    const rules = ipt.rules();
    expect(new Set(rules).size).toBe(rules.length);
    expect(sysctls.values.get('net/ipv4/conf/br-t1/route_localnet')).toBe('1');
    expect(await fw.listPortMappings()).toEqual([m80, m80b]);
  });

  it('keeps the rules two host ports of one container port share until the last goes', async () => {
    await fw.init();
    await fw.addPortMappings([m80, m80b]);
    await fw.removePortMappings([m80]);
    expect(await fw.listPortMappings()).toEqual([m80b]);
    expect(ipt.rules().filter((r) => r.includes('--dport 80 '))).toHaveLength(2);
    await fw.removePortMappings([m80b]);
    await fw.removePortMappings([m80b]);
    expect(ipt.rules().filter((r) => r.includes('10.77.1.2'))).toEqual([]);
  });

  it('takes back a committed table when a later one fails', async () => {
    await fw.init();
    ipt.failOn = (table, line) => table === 'nat' && line.includes('DNAT');
    await expect(fw.addPortMappings([m80])).rejects.toThrow(/line failed/);
    ipt.failOn = undefined;
    expect(ipt.rules().filter((r) => r.includes('10.77.1.2'))).toEqual([]);
  });

  it('refuses a network whose bridge does not exist, programming nothing', async () => {
    await fw.init();
    await expect(fw.addNetwork({ ...net, bridge: 'br-missing' })).rejects.toThrow('bridge br-missing does not exist');
    expect(ipt.rules().some((r) => r.includes('br-missing'))).toBe(false);
  });

  it('reset removes every chain and jump of its prefix, and nothing else', async () => {
    await ipt.run(['iptables-restore', '--noflush'], '*filter\n:OTHER - [0:0]\n-A FORWARD -j OTHER\nCOMMIT\n');
    await fw.init();
    await fw.addNetwork(net);
    await fw.addPortMappings([m80]);
    await fw.reset();
    await fw.reset();
    expect(ipt.userChains()).toEqual(['filter:OTHER']);
    expect(ipt.rules()).toEqual(['filter -A FORWARD -j OTHER']);
  });

  it('runs one change at a time', async () => {
    await Promise.all([fw.init(), fw.addNetwork(net), fw.addPortMappings([m80]), fw.addPortMappings([m80])]);
    const rules = ipt.rules();
    expect(new Set(rules).size).toBe(rules.length);
    expect(rules.filter((r) => r.includes('DNAT'))).toHaveLength(1);
  });
});
