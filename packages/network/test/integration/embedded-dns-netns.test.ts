// Root: a real bridge with its gateway address, a network namespace joined to
// it by a veth pair (the "container"), the embedded DNS server on the gateway
// port 53, and glibc inside the namespace resolving with the resolv.conf ce
// computed (`ip netns exec` mounts /etc/netns/<ns>/resolv.conf over
// /etc/resolv.conf). The upstream is a fake on 127.0.0.1; nothing leaves the machine.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerResolvConf, EmbeddedDns } from '../../src/index.js';
import { FakeUpstream } from '../unit/support/dns-peers.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const tag = `${process.pid % 100000}`;
const BRIDGE = `cedns${tag}`;
const NETNS = `cedns-${tag}`;
const VETH = `cednsv${tag}`;
const NET = `10.237.${process.pid % 250}`;
const GATEWAY = `${NET}.1`;
const ME = `${NET}.2`;
const WEB = `${NET}.3`;
const NETNS_ETC = join('/etc/netns', NETNS);

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {}
}

/** `getent` in the namespace: its output, or its exit code when it found nothing. */
async function getent(...args: string[]): Promise<string | number> {
  try {
    return (await run('ip', ['netns', 'exec', NETNS, 'getent', ...args], { timeout: 20_000 })).stdout;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe.skipIf(!isRoot)('the embedded DNS server on a real bridge gateway (root)', () => {
  let dns: EmbeddedDns;
  let upstream: FakeUpstream;
  const etcNetnsExisted = existsSync('/etc/netns');

  beforeAll(async () => {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${GATEWAY}/24`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    ip('netns', 'add', NETNS);
    ip('link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${VETH}c`);
    ip('link', 'set', VETH, 'master', BRIDGE, 'up');
    ip('link', 'set', `${VETH}c`, 'netns', NETNS);
    ip('-n', NETNS, 'link', 'set', `${VETH}c`, 'name', 'eth0');
    ip('-n', NETNS, 'addr', 'add', `${ME}/24`, 'dev', 'eth0');
    ip('-n', NETNS, 'link', 'set', 'eth0', 'up');
    ip('-n', NETNS, 'link', 'set', 'lo', 'up');

    upstream = await FakeUpstream.start((q) =>
      q.name === 'outside.test' && q.type === 'A' ? { answers: [{ type: 'A', name: q.name, ttl: 30, data: '192.0.2.10' }] } : { rcode: 3 },
    );
    dns = new EmbeddedDns({ upstreams: [upstream.spec], upstreamTimeoutMs: 1000 });
    await dns.addNetwork('n1', GATEWAY, { name: 'testnet' });
    dns.addRecords('n1', 'me', ['me'], ME, [{ alias: 'linked', name: 'web' }]);
    dns.addRecords('n1', 'web', ['web', 'frontend'], WEB);

    const resolv = containerResolvConf({ hostResolvConf: 'nameserver 127.0.0.53\nsearch example.lan\n', embeddedDns: [GATEWAY], dnsOptions: ['timeout:1', 'attempts:1'] });
    expect(resolv.content).toBe(`search example.lan\nnameserver ${GATEWAY}\noptions timeout:1 attempts:1 ndots:0\n`);
    mkdirSync(NETNS_ETC, { recursive: true });
    writeFileSync(join(NETNS_ETC, 'resolv.conf'), resolv.content);
  });

  afterAll(async () => {
    await dns?.close();
    await upstream?.close();
    quietly(() => ip('netns', 'del', NETNS));
    quietly(() => ip('link', 'del', VETH));
    quietly(() => ip('link', 'del', BRIDGE));
    rmSync(NETNS_ETC, { recursive: true, force: true });
    if (!etcNetnsExisted) quietly(() => rmdirSync('/etc/netns'));
  });

  it('glibc in the namespace resolves names, aliases, name.network, its own link alias and reverse lookups', async () => {
    expect(await getent('ahostsv4', 'web')).toMatch(new RegExp(`^${WEB.replace(/\./g, '\\.')}\\s+STREAM web\\n`));
    for (const name of ['frontend', 'WEB.testnet', 'linked']) expect(await getent('ahostsv4', name), name).toMatch(new RegExp(`^${WEB.replace(/\./g, '\\.')}\\s`));
    expect(await getent('hosts', WEB)).toMatch(new RegExp(`^${WEB.replace(/\./g, '\\.')}\\s+web\\.testnet\\n$`));
  });

  it('other names are forwarded upstream from ced\'s namespace', async () => {
    expect(await getent('ahostsv4', 'outside.test')).toMatch(/^192\.0\.2\.10\s+STREAM outside\.test\n/);
    expect(await getent('ahostsv4', 'nowhere.test')).toBe(2);
  });

  it('once the network is removed nothing answers on the gateway', async () => {
    await dns.removeNetwork('n1');
    expect(await getent('ahostsv4', 'web')).toBe(2);
  });
});
