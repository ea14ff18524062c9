// The embedded DNS server through real UDP and TCP sockets on loopback:
// listeners on 127.77.x.1 with kernel-picked ports stand for the networks'
// gateways, clients sending from 127.77.x.y stand for the containers, and a
// fake upstream on 127.0.0.1 stands for the host's resolvers.
import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedDns } from '../../src/index.js';
import { ask, FakeUpstream, rcodeOf, type Script, type Server } from './support/dns-peers.js';

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;

const WEB = { id: 'a'.repeat(64), ip: '127.77.0.2' };
const DB = { id: 'b'.repeat(64), ip: '127.77.0.3' };
const OTHER = { id: 'c'.repeat(64), ip: '127.78.0.2' };

const upstreamScript: Script = (q, transport) => {
  if (q.name === 'outside.test') return { answers: [{ type: 'A', name: q.name, ttl: 30, data: '192.0.2.10' }] };
  if (q.name === 'slow.test') return { silent: true };
  if (q.name === 'fail.test') return { rcode: SERVFAIL };
  if (q.name === 'big.test') {
    if (transport === 'udp') return { truncated: true };
    return { answers: Array.from({ length: 40 }, (_, i) => ({ type: 'A' as const, name: q.name, ttl: 30, data: `198.51.100.${i + 1}` })) };
  }
  return { rcode: NXDOMAIN };
};

let dns: EmbeddedDns;
let upstream: FakeUpstream;
const open: EmbeddedDns[] = [];

function server(networkId: string, d: EmbeddedDns = dns): Server {
  const where = d.listenerAddress(networkId);
  if (!where) throw new Error(`no listener for ${networkId}`);
  return where;
}

function addresses(packet: { answers?: unknown[] }): string[] {
  return (packet.answers ?? []).map((a) => (a as { data: string }).data).sort();
}

async function newDns(options: ConstructorParameters<typeof EmbeddedDns>[0]): Promise<EmbeddedDns> {
  const d = new EmbeddedDns({ port: 0, upstreamTimeoutMs: 300, ...options });
  open.push(d);
  return d;
}

beforeEach(async () => {
  upstream = await FakeUpstream.start(upstreamScript);
  dns = await newDns({ upstreams: [upstream.spec] });
  await dns.addNetwork('net1', '127.77.0.1', { name: 'mynet' });
  dns.addRecords('net1', WEB.id, ['web', 'frontend', WEB.id.slice(0, 12)], WEB.ip);
  dns.addRecords('net1', DB.id, ['db'], DB.ip);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  await upstream.close();
});

describe('names of the network', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers A for the name, aliases, short id and name.network, any case, over ${transport}`, async () => {
      for (const name of ['db', 'DB', 'db.mynet', 'db.MyNet.']) {
        const r = await ask(server('net1'), name, 'A', { from: WEB.ip, transport });
        expect(rcodeOf(r), name).toBe(NOERROR);
        expect(r.flag_ra && r.flag_qr && r.flag_rd).toBe(true);
        expect(r.answers, name).toEqual([{ type: 'A', name: name.replace(/\.$/, ''), ttl: 600, class: 'IN', flush: false, data: DB.ip }]);
      }
      for (const name of ['web', 'frontend', WEB.id.slice(0, 12)]) {
        expect(addresses(await ask(server('net1'), name, 'A', { from: DB.ip, transport })), name).toEqual([WEB.ip]);
      }
    });
  }

  it('AAAA and MX of a known name: an empty NOERROR, not forwarded', async () => {
    for (const type of ['AAAA', 'MX'] as const) {
      const r = await ask(server('net1'), 'db', type, { from: WEB.ip });
      expect(rcodeOf(r)).toBe(NOERROR);
      expect(r.answers).toEqual([]);
    }
    expect(upstream.asked).toEqual([]);
  });

  it('PTR of a container address: <name>.<network>', async () => {
    const r = await ask(server('net1'), '3.0.77.127.in-addr.arpa', 'PTR', { from: WEB.ip });
    expect(r.answers).toEqual([{ type: 'PTR', name: '3.0.77.127.in-addr.arpa', ttl: 600, class: 'IN', flush: false, data: 'db.mynet' }]);
  });

  it('an alias shared by two containers answers both addresses', async () => {
    dns.addRecords('net1', DB.id, ['db', 'shared'], DB.ip);
    dns.addRecords('net1', WEB.id, ['web', 'shared'], WEB.ip);
    expect(addresses(await ask(server('net1'), 'shared', 'A', { from: WEB.ip }))).toEqual([WEB.ip, DB.ip].sort());
  });

  it('records removed are forgotten; added again they answer again', async () => {
    dns.removeRecords('net1', DB.id);
    expect(rcodeOf(await ask(server('net1'), 'db', 'A', { from: WEB.ip }))).toBe(NXDOMAIN);
    expect(upstream.asked.map((a) => a.name)).toEqual(['db']);
    dns.addRecords('net1', DB.id, ['db'], '127.77.0.9');
    expect(addresses(await ask(server('net1'), 'db', 'A', { from: WEB.ip }))).toEqual(['127.77.0.9']);
  });

  it('a --link alias answers only for the container that has the link', async () => {
    dns.addRecords('net1', WEB.id, ['web'], WEB.ip, [{ alias: 'database', name: 'db' }]);
    expect(addresses(await ask(server('net1'), 'database', 'A', { from: WEB.ip }))).toEqual([DB.ip]);
    expect(rcodeOf(await ask(server('net1'), 'database', 'A', { from: DB.ip }))).toBe(NXDOMAIN);
  });

  it('a querier that is no container of the network gets no container names, only forwarding', async () => {
    expect(rcodeOf(await ask(server('net1'), 'db', 'A', { from: '127.0.0.1' }))).toBe(NXDOMAIN);
    expect(addresses(await ask(server('net1'), 'outside.test', 'A', { from: '127.0.0.1' }))).toEqual(['192.0.2.10']);
  });

  it("each container sees the names of its own networks only, on any of their listeners", async () => {
    await dns.addNetwork('net2', '127.78.0.1', { name: 'othernet' });
    dns.addRecords('net2', OTHER.id, ['other'], OTHER.ip);
    expect(rcodeOf(await ask(server('net1'), 'other', 'A', { from: WEB.ip }))).toBe(NXDOMAIN);
    expect(rcodeOf(await ask(server('net2'), 'db', 'A', { from: OTHER.ip }))).toBe(NXDOMAIN);
    // WEB joins net2 too: both networks' names, through either listener.
    dns.addRecords('net2', WEB.id, ['web'], '127.78.0.3');
    expect(addresses(await ask(server('net2'), 'other', 'A', { from: '127.78.0.3' }))).toEqual([OTHER.ip]);
    expect(addresses(await ask(server('net2'), 'db.mynet', 'A', { from: '127.78.0.3' }))).toEqual([DB.ip]);
    expect(addresses(await ask(server('net1'), 'other.othernet', 'A', { from: WEB.ip }))).toEqual([OTHER.ip]);
  });

  it('refuses records for a network without a server, and bad records', () => {
    expect(() => dns.addRecords('nope', WEB.id, ['web'], WEB.ip)).toThrow('network nope has no embedded DNS server');
    expect(() => dns.addRecords('net1', WEB.id, ['web'], 'fe80::1')).toThrow('is not an IPv4 address');
    expect(() => dns.addRecords('net1', WEB.id, [], WEB.ip)).toThrow('no name given');
  });
});

describe('forwarding', () => {
  it('other names go to the upstream and its answer comes back as it is', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const r = await ask(server('net1'), 'outside.test', 'A', { from: WEB.ip, transport });
      expect(rcodeOf(r)).toBe(NOERROR);
      expect(r.answers).toEqual([{ type: 'A', name: 'outside.test', ttl: 30, class: 'IN', flush: false, data: '192.0.2.10' }]);
    }
    expect(upstream.asked).toEqual([
      { name: 'outside.test', transport: 'udp' },
      { name: 'outside.test', transport: 'tcp' },
    ]);
  });

  it('a silent upstream times out per query: SERVFAIL when no server answered, the next server when there is one', async () => {
    const started = Date.now();
    expect(rcodeOf(await ask(server('net1'), 'slow.test', 'A', { from: WEB.ip }))).toBe(SERVFAIL);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const second = await FakeUpstream.start(() => ({ answers: [{ type: 'A', name: 'slow.test', ttl: 5, data: '192.0.2.77' }] }), '127.0.0.2');
    try {
      dns.setContainerResolver(WEB.id, { upstreams: [upstream.spec, second.spec] });
      expect(addresses(await ask(server('net1'), 'slow.test', 'A', { from: WEB.ip }))).toEqual(['192.0.2.77']);
    } finally {
      await second.close();
    }
  });

  it('SERVFAIL of the only upstream is passed on; of the first, the second is asked', async () => {
    expect(rcodeOf(await ask(server('net1'), 'fail.test', 'A', { from: WEB.ip }))).toBe(SERVFAIL);
    const second = await FakeUpstream.start(() => ({ answers: [{ type: 'A', name: 'fail.test', ttl: 5, data: '192.0.2.88' }] }), '127.0.0.3');
    try {
      dns.setContainerResolver(WEB.id, { upstreams: [upstream.spec, second.spec] });
      expect(addresses(await ask(server('net1'), 'fail.test', 'A', { from: WEB.ip }))).toEqual(['192.0.2.88']);
      dns.removeContainerResolver(WEB.id);
      expect(rcodeOf(await ask(server('net1'), 'fail.test', 'A', { from: WEB.ip }))).toBe(SERVFAIL);
    } finally {
      await second.close();
    }
  });

  it('a truncated UDP answer is asked again over TCP, then cut to what the client takes', async () => {
    const small = await ask(server('net1'), 'big.test', 'A', { from: WEB.ip });
    expect(small.flag_tc).toBe(true);
    expect(small.answers!.length).toBeGreaterThan(0);
    expect(small.answers!.length).toBeLessThan(40);
    expect(upstream.asked.map((a) => a.transport)).toEqual(['udp', 'tcp']);

    const edns = await ask(server('net1'), 'big.test', 'A', { from: WEB.ip, udpSize: 4096 });
    expect(edns.flag_tc).toBe(false);
    expect(edns.answers).toHaveLength(40);
    const tcp = await ask(server('net1'), 'big.test', 'A', { from: WEB.ip, transport: 'tcp' });
    expect(tcp.answers).toHaveLength(40);
  });

  it('no upstream at all, or an --internal network: SERVFAIL at once', async () => {
    const lonely = await newDns({ upstreams: [] });
    await lonely.addNetwork('n', '127.79.0.1');
    expect(rcodeOf(await ask(server('n', lonely), 'outside.test', 'A'))).toBe(SERVFAIL);

    await dns.addNetwork('internal', '127.80.0.1', { name: 'internal', internal: true });
    dns.addRecords('internal', DB.id, ['db'], '127.80.0.3');
    dns.addRecords('internal', WEB.id, ['web'], '127.80.0.2');
    expect(rcodeOf(await ask(server('internal'), 'outside.test', 'A', { from: '127.80.0.2' }))).toBe(SERVFAIL);
    expect(addresses(await ask(server('internal'), 'db', 'A', { from: '127.80.0.2' }))).toEqual(['127.80.0.3']);
    expect(upstream.asked).toEqual([]);
  });

  it("with the container's own ndots, a single-label unknown name is answered empty, not forwarded", async () => {
    dns.setContainerResolver(WEB.id, { ndotsSet: true });
    const r = await ask(server('net1'), 'unknown', 'A', { from: WEB.ip });
    expect(rcodeOf(r)).toBe(NOERROR);
    expect(r.answers).toEqual([]);
    expect(addresses(await ask(server('net1'), 'db', 'A', { from: WEB.ip }))).toEqual([DB.ip]);
    expect(upstream.asked).toEqual([]);
  });

  it('the default upstreams are read from the host resolv.conf given', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'ce-dns-'));
    try {
      await writeFile(join(dir, 'resolv.conf'), `nameserver ${upstream.address}\nnameserver 2001:db8::1\n`);
      const fromFile = await newDns({ hostResolvConfPath: join(dir, 'resolv.conf'), upstreamPort: upstream.port });
      await fromFile.addNetwork('n', '127.81.0.1');
      expect(addresses(await ask(server('n', fromFile), 'outside.test', 'A'))).toEqual(['192.0.2.10']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('listeners', () => {
  it('a network removed stops its listener: TCP refused, its UDP port free again', async () => {
    const where = server('net1');
    await dns.removeNetwork('net1');
    expect(dns.listenerAddress('net1')).toBeUndefined();
    await expect(ask(where, 'db', 'A', { transport: 'tcp' })).rejects.toThrow(/ECONNREFUSED/);
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind({ address: where.address, port: where.port, exclusive: true }, () => resolve());
    });
    probe.close();
    await dns.removeNetwork('net1');
  });

  it('adding a network again is idempotent; another gateway for it is refused', async () => {
    const before = server('net1');
    await dns.addNetwork('net1', '127.77.0.1', { name: 'mynet' });
    expect(server('net1')).toEqual(before);
    await expect(dns.addNetwork('net1', '127.77.5.1')).rejects.toThrow('has its DNS server on 127.77.0.1 already');
  });

  it('a port in use is a clear error and leaves nothing behind', async () => {
    const taken = server('net1');
    const clash = await newDns({ upstreams: [], port: taken.port });
    await expect(clash.addNetwork('x', taken.address)).rejects.toThrow(`cannot serve DNS on ${taken.address}:${taken.port}/udp`);
    expect(clash.listenerAddress('x')).toBeUndefined();
  });
});
