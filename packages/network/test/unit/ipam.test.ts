import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ipam, resolvePool } from '../../src/ipam/ipam.js';
import { pickSubnet } from '../../src/ipam/subnet-pools.js';
import { parseCidr } from '../../src/ipam/ipv4.js';

const NET = 'a'.repeat(64);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ce-test-ipam-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function ipamWith(spec: Parameters<Ipam['createPool']>[1]): Promise<Ipam> {
  const ipam = new Ipam(dir);
  await ipam.load();
  await ipam.createPool(NET, spec);
  return ipam;
}

describe('resolvePool', () => {
  it('takes the first address as gateway by default', () => {
    expect(resolvePool({ subnet: '10.9.0.0/24' })).toEqual({ subnet: '10.9.0.0/24', gateway: '10.9.0.1', auxAddresses: {} });
  });

  it('refuses what Docker refuses, naming the problem', () => {
    expect(() => resolvePool({ subnet: '10.9.0.5/24' })).toThrow('invalid subnet 10.9.0.5/24: it should be 10.9.0.0/24');
    expect(() => resolvePool({ subnet: 'fe80::/64' })).toThrow('invalid subnet fe80::/64: it is not an IPv4 CIDR');
    expect(() => resolvePool({ subnet: '10.9.0.0/24', ipRange: '10.9.1.0/25' })).toThrow('it does not belong to subnet 10.9.0.0/24');
    expect(() => resolvePool({ subnet: '10.9.0.0/24', gateway: '10.9.1.1' })).toThrow('invalid gateway 10.9.1.1');
    expect(() => resolvePool({ subnet: '10.9.0.0/24', gateway: '10.9.0.255' })).toThrow('is not a host address');
    expect(() => resolvePool({ subnet: '10.9.0.0/24', auxAddresses: { router: '10.9.0.0' } })).toThrow('auxiliary address "router"');
  });
});

describe('Ipam', () => {
  it('hands out addresses lowest first, never the network, gateway, auxiliary or broadcast address', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/29', auxAddresses: { printer: '10.9.0.3' } });
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await ipam.allocate(NET, `c${i}`)).address);
    expect(got).toEqual(['10.9.0.2', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    await expect(ipam.allocate(NET, 'c4')).rejects.toThrow("no available IPv4 addresses on this network's address pools");
  });

  it('takes dynamic addresses from the ip-range and static ones anywhere free in the subnet', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/24', ipRange: '10.9.0.128/25' });
    expect(await ipam.allocate(NET, 'a')).toEqual({ address: '10.9.0.128', prefixLen: 24, gateway: '10.9.0.1' });
    expect((await ipam.allocate(NET, 'b', '10.9.0.10')).address).toBe('10.9.0.10');
    await expect(ipam.allocate(NET, 'c', '10.9.0.10')).rejects.toThrow('Address already in use');
    await expect(ipam.allocate(NET, 'c', '10.9.0.1')).rejects.toThrow('Address already in use');
    await expect(ipam.allocate(NET, 'c', '10.9.1.1')).rejects.toThrow("Invalid address 10.9.1.1: It does not belong to any of this network's subnets");
  });

  it('gives an owner its lease back, and frees it on release', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/24' });
    const first = await ipam.allocate(NET, 'a');
    expect(await ipam.allocate(NET, 'a')).toEqual(first);
    await ipam.release(NET, 'a');
    expect(ipam.leases(NET).size).toBe(0);
    expect((await ipam.allocate(NET, 'b')).address).toBe(first.address);
  });

  it('never hands out one address twice to concurrent requests', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/24' });
    const leases = await Promise.all(Array.from({ length: 40 }, (_, i) => ipam.allocate(NET, `c${i}`)));
    expect(new Set(leases.map((l) => l.address)).size).toBe(40);
    const reloaded = new Ipam(dir);
    await reloaded.load();
    expect(reloaded.leases(NET).size).toBe(40);
  });

  // The child runs the built code: node cannot load the TypeScript sources by itself.
  const built = join(import.meta.dirname, '../../dist/ipam/ipam.js');
  it.skipIf(!existsSync(built))('keeps every lease it handed out across a kill -9, and cleans up after it (needs the build)', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/24' });
    // A child process allocates and reports each address only after allocate() resolved, then is killed mid-stream.
    const script = join(dir, 'allocator.mjs');
    writeFileSync(
      script,
      `import { Ipam } from ${JSON.stringify(built)};
       const ipam = new Ipam(${JSON.stringify(dir)});
       await ipam.load();
       for (let i = 0; ; i++) process.send((await ipam.allocate(${JSON.stringify(NET)}, 'child' + i)).address);`,
    );
    const child = fork(script, [], { stdio: 'ignore' });
    const handedOut: string[] = [];
    await new Promise<void>((resolve, reject) => {
      child.on('message', (address) => {
        handedOut.push(String(address));
        if (handedOut.length === 25) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(handedOut.length).toBeGreaterThanOrEqual(25);
    await ipam.load();
    const leased = [...ipam.leases(NET).keys()];
    for (const address of handedOut) expect(leased).toContain(address);
    const next = await ipam.allocate(NET, 'after-crash');
    expect(handedOut).not.toContain(next.address);
    expect(readdirSync(join(dir, 'ipam')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('forgets a removed pool', async () => {
    const ipam = await ipamWith({ subnet: '10.9.0.0/24' });
    await ipam.removePool(NET);
    await ipam.load();
    expect(ipam.networkIds()).toEqual([]);
  });
});

describe('pickSubnet', () => {
  const pools = [{ base: '10.211.0.0/16', size: 24 }];

  it('takes the first /24 that overlaps nothing in use', () => {
    expect(pickSubnet(pools, [])).toBe('10.211.0.0/24');
    expect(pickSubnet(pools, [parseCidr('10.211.0.0/24', 's'), parseCidr('10.211.1.128/25', 's')])).toBe('10.211.2.0/24');
    expect(pickSubnet(pools, [parseCidr('10.211.0.0/23', 'route')])).toBe('10.211.2.0/24');
  });

  it("says so with Docker's words when the pools are used up", () => {
    expect(() => pickSubnet(pools, [parseCidr('10.211.0.0/16', 's')])).toThrow(
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    );
  });
});
