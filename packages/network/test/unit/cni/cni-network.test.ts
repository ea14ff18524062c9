import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniNetwork, type CniOptions } from '../../../src/cni/cni-network.js';
import { parseConfigList } from '../../../src/cni/config.js';
import { CniPluginError } from '../../../src/cni/errors.js';
import { childPid, fakeBin, gone, type FakeBin } from './fake-plugins.js';

const NETNS = '/run/netns/fake';
const ifaceResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0', mac: '0a:00:00:00:00:01' }, { name: 'eth0', mac: '0a:00:00:00:00:02', sandbox: NETNS }],
  ips: [{ address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.22.0.1' }],
  dns: { nameservers: ['10.22.0.1'] },
};
const finalResult = { ...ifaceResult, dns: { nameservers: ['10.22.0.1'], search: ['example.test'] } };

let fb: FakeBin;
beforeEach(async () => {
  fb = await fakeBin();
  await fb.plugin('iface');
  await fb.plugin('meta');
  await fb.answer('iface', 'ADD', ifaceResult);
  await fb.answer('meta', 'ADD', finalResult);
});
afterEach(async () => {
  await fb.cleanup();
});

function network(over: Record<string, unknown> = {}, opts: CniOptions = {}): CniNetwork {
  const text = JSON.stringify({
    cniVersion: '1.0.0',
    name: 'testnet',
    plugins: [
      { type: 'iface', bridge: 'cni0', capabilities: { ipRanges: true, portMappings: false } },
      { type: 'meta', capabilities: { portMappings: true } },
    ],
    ...over,
  });
  return new CniNetwork(parseConfigList(text, 'test.conflist'), { binDirs: [join(fb.root, 'empty'), fb.bin], cacheDir: fb.cache, ...opts });
}

describe('CniNetwork ADD', () => {
  it('runs the chain with the CNI environment and the configuration on stdin, name and cniVersion injected', async () => {
    await network().add('c1', NETNS, 'eth0', { args: { K8S_POD_NAMESPACE: 'default', IgnoreUnknown: '1' } });
    const env = await fb.env('iface', 'ADD');
    expect(env).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: NETNS,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;IgnoreUnknown=1',
      CNI_PATH: `${join(fb.root, 'empty')}:${fb.bin}`,
    });
    expect(await fb.stdin('iface', 'ADD')).toEqual({
      cniVersion: '1.0.0',
      name: 'testnet',
      type: 'iface',
      bridge: 'cni0',
      capabilities: { ipRanges: true, portMappings: false },
    });
  });

  it('asks each plugin its versions once, then passes each plugin the previous result as prevResult', async () => {
    const net = network();
    const result = await net.add('c1', NETNS, 'eth0');
    expect(await fb.calls()).toEqual(['iface VERSION', 'meta VERSION', 'iface ADD', 'meta ADD']);
    expect((await fb.stdin('meta', 'ADD'))['prevResult']).toEqual(ifaceResult);
    expect(result).toEqual(finalResult);
    await net.add('c2', NETNS, 'eth0');
    expect((await fb.calls()).filter((c) => c.endsWith('VERSION'))).toHaveLength(2);
  });

  it('gives runtimeConfig only the capability arguments each plugin declares', async () => {
    const portMappings = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }];
    const ipRanges = [[{ subnet: '10.22.0.0/24' }]];
    await network().add('c1', NETNS, 'eth0', { capabilities: { portMappings, ipRanges, bandwidth: { ingressRate: 1 } } });
    expect((await fb.stdin('iface', 'ADD'))['runtimeConfig']).toEqual({ ipRanges });
    expect((await fb.stdin('meta', 'ADD'))['runtimeConfig']).toEqual({ portMappings });
    await network().add('c2', NETNS, 'eth0', { capabilities: { bandwidth: { ingressRate: 1 } } });
    expect(await fb.stdin('iface', 'ADD')).not.toHaveProperty('runtimeConfig');
  });

  it('caches the result as libcni does: results/<net>-<id>-<ifname>, kind cniCacheV1, 0600', async () => {
    await network().add('c1', NETNS, 'eth0', { args: [['A', 'b']], capabilities: { portMappings: [] } });
    const file = join(fb.cache, 'results', 'testnet-c1-eth0');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(fb.cache, 'results'))).mode & 0o777).toBe(0o700);
    const cached = JSON.parse(await readFile(file, 'utf8'));
    expect(cached).toMatchObject({ kind: 'cniCacheV1', containerId: 'c1', ifName: 'eth0', networkName: 'testnet', netns: NETNS, cniArgs: [['A', 'b']], capabilityArgs: { portMappings: [] }, result: finalResult });
    expect(JSON.parse(Buffer.from(cached.config, 'base64').toString())).toMatchObject({ name: 'testnet', cniVersion: '1.0.0' });
    expect(await network().cachedResult('c1', 'eth0')).toEqual(finalResult);
  });

  it('reads a 0.4.0 result in the 1.0.0 layout but passes it on and caches it as the plugin wrote it', async () => {
    const old = { ...ifaceResult, cniVersion: '0.4.0', ips: [{ version: '4', address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 1 }] };
    await fb.answer('meta', 'ADD', old);
    const result = await network({ cniVersion: '0.4.0' }).add('c1', NETNS, 'eth0');
    expect(result.cniVersion).toBe('0.4.0');
    expect(result.ips).toEqual(ifaceResult.ips);
    const cached = JSON.parse(await readFile(join(fb.cache, 'results', 'testnet-c1-eth0'), 'utf8'));
    expect(cached.result).toEqual(old);
  });

  it('is AlreadyExists for an attachment that is cached', async () => {
    const net = network();
    await net.add('c1', NETNS, 'eth0');
    await expect(net.add('c1', NETNS, 'eth0')).rejects.toMatchObject({ code: 'AlreadyExists' });
    await net.add('c1', NETNS, 'eth1');
  });

  it('checks the container id, interface name, CNI_ARGS and namespace before running anything', async () => {
    const net = network();
    await expect(net.add('bad id', NETNS, 'eth0')).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('container id "bad id"') });
    await expect(net.add('c1', NETNS, 'a-name-longer-than-15')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(net.add('c1', NETNS, 'eth:0')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(net.add('c1', NETNS, 'eth0', { args: { 'A;B': 'c' } })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(net.add('c1', '', 'eth0')).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(await fb.calls()).toEqual([]);
  });
});

describe('CniNetwork failures', () => {
  it('turns the error JSON into a CniPluginError and DELs the whole chain in reverse with what was added', async () => {
    await fb.answer('meta', 'ADD', { cniVersion: '1.0.0', code: 11, msg: 'try again later', details: 'lock busy' }, 1);
    const err = await network().add('c1', NETNS, 'eth0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniPluginError);
    expect(err).toMatchObject({
      code: 'Unavailable',
      cniCode: 11,
      msg: 'try again later',
      details: 'lock busy',
      plugin: 'meta',
      command: 'ADD',
      message: 'network "testnet": plugin type="meta" failed (add): try again later; lock busy',
    });
    expect((await fb.calls()).slice(2)).toEqual(['iface ADD', 'meta ADD', 'meta DEL', 'iface DEL']);
    expect((await fb.stdin('iface', 'DEL'))['prevResult']).toEqual(ifaceResult);
    expect(await network().cachedResult('c1', 'eth0')).toBeNull();
  });

  it.each([
    [1, 'FailedPrecondition'],
    [3, 'NotFound'],
    [7, 'InvalidArgument'],
    [101, 'Internal'],
  ])('maps CNI code %i to %s', async (code, ceCode) => {
    await fb.answer('iface', 'ADD', { code, msg: 'no' }, 1);
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({ code: ceCode, cniCode: code });
  });

  it('reports the stderr of a plugin that failed without error JSON, as libcni', async () => {
    await fb.answer('iface', 'ADD', '', 2);
    await fb.stderr('iface', 'ADD', 'boom\n');
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({
      cniCode: 999,
      message: 'network "testnet": plugin type="iface" failed (add): netplugin failed: "boom": exit status 2',
    });
  });

  it('keeps the ADD error and says when undoing it failed too', async () => {
    await fb.answer('meta', 'ADD', { code: 5, msg: 'disk' }, 1);
    await fb.answer('iface', 'DEL', { code: 5, msg: 'still broken' }, 1);
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({
      code: 'Internal',
      message: 'network "testnet": plugin type="meta" failed (add): disk (and undoing the ADD failed: network "testnet": plugin type="iface" failed (del): still broken)',
    });
  });

  it('rejects a result that is not one, naming the plugin and field', async () => {
    await fb.answer('iface', 'ADD', { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1' }] });
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({ message: 'network "testnet": plugin type="iface" (add): ips[0].address: must be a CIDR address' });
    await fb.answer('iface', 'ADD', '');
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({ message: 'network "testnet": plugin type="iface" (add): returned no result' });
  });

  it('ends a plugin that outlives its timeout, and what it started', async () => {
    await fb.hang('iface', 'ADD');
    const started = Date.now();
    await expect(network({}, { timeoutMs: 500 }).add('c1', NETNS, 'eth0')).rejects.toMatchObject({
      code: 'DeadlineExceeded',
      message: 'network "testnet": plugin type="iface" (add) did not finish within 500 ms',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await gone(await childPid(fb, 'iface'))).toBe(true);
  });

  it('ends the call at its timeout when what the plugin left in another session holds its output', async () => {
    await fb.leaveHolding('iface', 'ADD');
    try {
      await expect(network({}, { timeoutMs: 500 }).add('c1', NETNS, 'eth0')).rejects.toMatchObject({ code: 'DeadlineExceeded' });
    } finally {
      const left = await childPid(fb, 'iface');
      try {
        process.kill(left, 'SIGKILL');
      } catch {
        // already gone
      }
      expect(await gone(left)).toBe(true);
    }
  });

  it('ends a plugin when the caller aborts, and undoes the ADD', async () => {
    await fb.hang('meta', 'ADD');
    const abort = new AbortController();
    const adding = network().add('c1', NETNS, 'eth0', { signal: abort.signal });
    await expect.poll(() => fb.calls(), { timeout: 5000 }).toContain('meta ADD');
    abort.abort();
    await expect(adding).rejects.toMatchObject({ code: 'Canceled' });
    expect((await fb.calls()).slice(-2)).toEqual(['meta DEL', 'iface DEL']);
  });

  it("runs a plugin's first ADD alone: a second waits until it ends, then runs (CHECK and DEL are not held)", async () => {
    // Two first portmap ADDs at once both create its top-level chain; under iptables-nft one fails (first-use.ts).
    await fb.hang('meta', 'ADD');
    const abort = new AbortController();
    const first = network().add('c1', NETNS, 'eth0', { signal: abort.signal });
    await expect.poll(() => fb.calls(), { timeout: 5000 }).toContain('meta ADD');
    const second = network().add('c2', NETNS, 'eth0');
    await expect.poll(() => fb.calls(), { timeout: 5000 }).toEqual(['iface VERSION', 'meta VERSION', 'iface ADD', 'meta ADD', 'iface VERSION', 'meta VERSION', 'iface ADD']);
    // Not held by the first ADD under way: a DEL of another attachment.
    await network().del('c3', NETNS, 'eth0');
    // Had the second ADD not waited, it would hang too.
    await rm(join(fb.root, 'rec', 'meta.ADD.hang'));
    abort.abort();
    await expect(first).rejects.toMatchObject({ code: 'Canceled' });
    expect(await second).toEqual(finalResult);
    // c3's DEL, then the first's undo and the second's meta ADD, in either order.
    expect((await fb.calls()).slice(7, 9)).toEqual(['meta DEL', 'iface DEL']);
    expect((await fb.calls()).slice(9).sort()).toEqual(['iface DEL', 'meta ADD', 'meta DEL']);
  });

  it('is NotFound for a plugin in none of the bin dirs', async () => {
    const net = network({ plugins: [{ type: 'absent' }] });
    await expect(net.add('c1', NETNS, 'eth0')).rejects.toMatchObject({
      code: 'NotFound',
      message: expect.stringContaining(`failed to find plugin "absent" in path [${join(fb.root, 'empty')} ${fb.bin}]`),
    });
  });

  it('refuses a chain whose plugin does not speak the list version, before any ADD', async () => {
    await fb.answer('meta', 'VERSION', { cniVersion: '0.4.0', supportedVersions: ['0.3.1', '0.4.0'] });
    await expect(network().add('c1', NETNS, 'eth0')).rejects.toMatchObject({
      code: 'FailedPrecondition',
      message: 'CNI network "testnet" (test.conflist): plugin type="meta" does not support config version "1.0.0" (it supports 0.3.1, 0.4.0)',
    });
    expect(await fb.calls()).toEqual(['iface VERSION', 'meta VERSION']);
    expect(await network({}, { checkVersions: false }).add('c1', NETNS, 'eth0')).toEqual(finalResult);
  });

  it('runs plugins under a wrapper command', async () => {
    await network({}, { wrapper: ['/usr/bin/env', 'CNI_WRAPPED=yes'] }).add('c1', NETNS, 'eth0');
    expect((await fb.env('iface', 'ADD'))['CNI_WRAPPED']).toBe('yes');
  });
});

describe('CniNetwork CHECK and DEL', () => {
  it('CHECKs each plugin in order with the cached result as prevResult', async () => {
    const net = network();
    await net.add('c1', NETNS, 'eth0', { args: { A: 'b' } });
    await net.check('c1', NETNS, 'eth0');
    expect((await fb.calls()).slice(4)).toEqual(['iface CHECK', 'meta CHECK']);
    expect((await fb.stdin('iface', 'CHECK'))['prevResult']).toEqual(finalResult);
    expect((await fb.env('meta', 'CHECK'))['CNI_ARGS']).toBe('A=b');
  });

  it('passes on a CHECK failure', async () => {
    const net = network();
    await net.add('c1', NETNS, 'eth0');
    await fb.answer('meta', 'CHECK', { code: 3, msg: 'interface eth0 is gone' }, 1);
    await expect(net.check('c1', NETNS, 'eth0')).rejects.toMatchObject({ code: 'NotFound', message: expect.stringContaining('interface eth0 is gone') });
  });

  it('does not CHECK what was never added, a list before 0.4.0, or a list that disables it', async () => {
    await expect(network().check('c1', NETNS, 'eth0')).rejects.toMatchObject({ code: 'NotFound' });
    await expect(network({ cniVersion: '0.3.1' }).check('c1', NETNS, 'eth0')).rejects.toMatchObject({
      code: 'FailedPrecondition',
      message: 'CNI network "testnet": configuration version "0.3.1" does not support the CHECK command',
    });
    await network({ disableCheck: true }).check('c1', NETNS, 'eth0');
    expect(await fb.calls()).toEqual([]);
  });

  it('DELs in reverse with the cached result, the ADD arguments by default, then forgets it', async () => {
    const net = network();
    const portMappings = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }];
    await net.add('c1', NETNS, 'eth0', { args: { A: 'b' }, capabilities: { portMappings } });
    await net.del('c1', NETNS, 'eth0');
    expect((await fb.calls()).slice(4)).toEqual(['meta DEL', 'iface DEL']);
    expect(await fb.stdin('meta', 'DEL')).toMatchObject({ prevResult: finalResult, runtimeConfig: { portMappings } });
    expect((await fb.env('iface', 'DEL'))['CNI_ARGS']).toBe('A=b');
    expect(await net.cachedResult('c1', 'eth0')).toBeNull();
    await net.add('c1', NETNS, 'eth0');
  });

  it('converts the cached result to the list version for prevResult', async () => {
    const net = network({ cniVersion: '0.4.0' });
    await net.add('c1', NETNS, 'eth0');
    await net.del('c1', '', 'eth0');
    expect((await fb.stdin('iface', 'DEL'))['prevResult']).toMatchObject({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.22.0.5/24' }] });
  });

  it('DELs what was never added without prevResult, and succeeds', async () => {
    await network().del('never', '', 'eth0');
    expect(await fb.calls()).toEqual(['meta DEL', 'iface DEL']);
    expect(await fb.stdin('meta', 'DEL')).not.toHaveProperty('prevResult');
    expect((await fb.env('meta', 'DEL'))['CNI_NETNS']).toBe('');
  });

  it('passes no prevResult to DEL for a list before 0.4.0', async () => {
    const net = network({ cniVersion: '0.3.1' });
    await net.add('c1', NETNS, 'eth0');
    await net.del('c1', NETNS, 'eth0');
    expect(await fb.stdin('iface', 'DEL')).not.toHaveProperty('prevResult');
  });

  it('keeps the cache when DEL fails, so it can be tried again', async () => {
    const net = network();
    await net.add('c1', NETNS, 'eth0');
    await fb.answer('iface', 'DEL', { code: 5, msg: 'busy' }, 1);
    await expect(net.del('c1', NETNS, 'eth0')).rejects.toBeInstanceOf(CniPluginError);
    expect(await net.cachedResult('c1', 'eth0')).not.toBeNull();
    await fb.answer('iface', 'DEL', '');
    await net.del('c1', NETNS, 'eth0');
    expect(await net.cachedResult('c1', 'eth0')).toBeNull();
  });

  it('runs one call at a time per attachment: a DEL issued during its ADD waits and gets the result', async () => {
    const net = network();
    await Promise.all([net.add('c1', NETNS, 'eth0'), net.del('c1', NETNS, 'eth0')]);
    expect((await fb.calls()).slice(2)).toEqual(['iface ADD', 'meta ADD', 'meta DEL', 'iface DEL']);
    expect((await fb.stdin('iface', 'DEL'))['prevResult']).toEqual(finalResult);
    expect(await net.cachedResult('c1', 'eth0')).toBeNull();
  });

  it('lists the cached attachments of the network', async () => {
    const net = network();
    await net.add('c1', NETNS, 'eth0');
    await net.add('c2', NETNS, 'eth0');
    expect((await net.attachments()).map((a) => a.containerId)).toEqual(['c1', 'c2']);
    expect((await net.attachments('c2')).map((a) => [a.containerId, a.ifName, a.netns])).toEqual([['c2', 'eth0', NETNS]]);
  });
});
