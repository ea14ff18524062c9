import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNetworkConfig, loadNetworkConfigs } from '../../../src/cni/config-dir.js';
import { parseConfigList, parseSingleConfig } from '../../../src/cni/config.js';

const list = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'net1', plugins: [{ type: 'bridge', bridge: 'cni0' }, { type: 'portmap', capabilities: { portMappings: true } }], ...over });

describe('parseConfigList', () => {
  it('reads a list: name, version, plugins with their capabilities and every field as written', () => {
    const l = parseConfigList(list(), 'a.conflist');
    expect(l.name).toBe('net1');
    expect(l.cniVersion).toBe('1.0.0');
    expect(l.disableCheck).toBe(false);
    expect(l.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(l.plugins[0]!.raw).toEqual({ type: 'bridge', bridge: 'cni0' });
    expect(l.plugins[1]!.capabilities).toEqual({ portMappings: true });
    expect(l.source).toBe('a.conflist');
  });

  it('takes disableCheck as a boolean or the strings true/false, as libcni does', () => {
    expect(parseConfigList(list({ disableCheck: true })).disableCheck).toBe(true);
    expect(parseConfigList(list({ disableCheck: 'TRUE' })).disableCheck).toBe(true);
    expect(parseConfigList(list({ disableCheck: 'false' })).disableCheck).toBe(false);
    expect(() => parseConfigList(list({ disableCheck: 'yes' }), 'f.conflist')).toThrow('f.conflist: disableCheck: must be true or false, not "yes"');
  });

  it('picks the newest supported version of cniVersions (spec 1.1)', () => {
    expect(parseConfigList(list({ cniVersion: undefined, cniVersions: ['0.4.0', '1.0.0', '1.1.0'] })).cniVersion).toBe('1.0.0');
    expect(parseConfigList(list({ cniVersion: '0.3.1', cniVersions: ['0.4.0'] })).cniVersion).toBe('0.4.0');
    expect(() => parseConfigList(list({ cniVersion: undefined, cniVersions: ['1.1.0'] }), 'f')).toThrow(/^f: cniVersions: "1.1.0" is not supported/);
  });

  it.each([
    ['{', /^x\.conflist: not valid JSON/],
    ['[]', 'x.conflist: must be a JSON object'],
    [list({ name: undefined }), 'x.conflist: name: required'],
    [list({ name: 'bad name' }), 'x.conflist: name: "bad name" is not a valid network name'],
    [list({ name: 7 }), 'x.conflist: name: 7 is not a valid network name'],
    [list({ cniVersion: undefined }), 'x.conflist: cniVersion: required'],
    [list({ cniVersion: '0.2.0' }), 'x.conflist: cniVersion: "0.2.0" is not supported (ce speaks CNI 0.3.0, 0.3.1, 0.4.0, 1.0.0)'],
    [list({ cniVersion: 1 }), 'x.conflist: cniVersion: must be a string'],
    [list({ plugins: undefined }), 'x.conflist: plugins: required'],
    [list({ plugins: {} }), 'x.conflist: plugins: must be an array'],
    [list({ plugins: [] }), 'x.conflist: plugins: must hold at least one plugin'],
    [list({ plugins: [{ type: 'bridge' }, 'x'] }), 'x.conflist: plugins[1]: must be an object'],
    [list({ plugins: [{ type: 'bridge' }, { bridge: 'x' }] }), 'x.conflist: plugins[1].type: required'],
    [list({ plugins: [{ type: '../../bin/sh' }] }), 'x.conflist: plugins[0].type: "../../bin/sh" is not a plugin name'],
    [list({ plugins: [{ type: 'portmap', capabilities: { portMappings: 'yes' } }] }), 'x.conflist: plugins[0].capabilities.portMappings: must be true or false'],
    [JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'bridge' }), 'x.conflist: plugins: required (this looks like a single plugin configuration: name the file .conf)'],
  ])('rejects %s naming the file and field', (text, message) => {
    const fn = () => parseConfigList(text, 'x.conflist');
    expect(fn).toThrow(message);
    expect(fn).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe('parseSingleConfig', () => {
  it('upgrades a single plugin configuration to a list of one, as libcni ConfListFromConf', () => {
    const l = parseSingleConfig(JSON.stringify({ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }), '99-lo.conf');
    expect(l.name).toBe('lo');
    expect(l.cniVersion).toBe('0.4.0');
    expect(l.plugins.map((p) => p.raw)).toEqual([{ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }]);
    expect(JSON.parse(l.bytes)).toEqual({ name: 'lo', cniVersion: '0.4.0', plugins: [{ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }] });
  });

  it('says when a .conf holds a list', () => {
    expect(() => parseSingleConfig(list(), 'x.conf')).toThrow('x.conf: type: required (this looks like a configuration list: name the file .conflist)');
    expect(() => parseSingleConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'n' }), 'x.conf')).toThrow('x.conf: plugins[0].type: required');
  });
});

describe('configuration directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-test-cni-conf-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads .conflist, .conf and .json in name order, reports bad files and a name defined twice, skips other files', async () => {
    await writeFile(join(dir, '10-a.conflist'), list({ name: 'a' }));
    await writeFile(join(dir, '20-b.conf'), JSON.stringify({ cniVersion: '1.0.0', name: 'b', type: 'bridge' }));
    await writeFile(join(dir, '30-broken.conflist'), '{"name": "c"');
    await writeFile(join(dir, '40-again.json'), JSON.stringify({ cniVersion: '1.0.0', name: 'a', type: 'ptp' }));
    await writeFile(join(dir, 'README'), 'not a config');
    await mkdir(join(dir, 'sub.conf'));
    const { networks, invalid } = await loadNetworkConfigs(dir);
    expect(networks.map((n) => [n.name, n.source])).toEqual([
      ['a', join(dir, '10-a.conflist')],
      ['b', join(dir, '20-b.conf')],
    ]);
    expect(invalid.map((i) => i.file)).toEqual([join(dir, '30-broken.conflist'), join(dir, '40-again.json')]);
    expect(invalid[0]!.error.message).toMatch(/30-broken\.conflist: not valid JSON/);
    expect(invalid[1]!.error.message).toBe(`${join(dir, '40-again.json')}: name: network "a" is already defined by ${join(dir, '10-a.conflist')}`);
  });

  it('finds a network by name, a .conflist before a .conf of the same name', async () => {
    await writeFile(join(dir, '00-n.conf'), JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'ptp' }));
    await writeFile(join(dir, '50-n.conflist'), list({ name: 'n' }));
    await writeFile(join(dir, '60-lo.conf'), JSON.stringify({ cniVersion: '1.0.0', name: 'lo', type: 'loopback' }));
    expect((await loadNetworkConfig('n', dir)).source).toBe(join(dir, '50-n.conflist'));
    expect((await loadNetworkConfig('lo', dir)).plugins[0]!.type).toBe('loopback');
  });

  it('is NotFound for an unknown name, naming the directory and the files it could not use', async () => {
    await writeFile(join(dir, '10-bad.conflist'), list({ plugins: [] }));
    await expect(loadNetworkConfig('nope', dir)).rejects.toMatchObject({
      code: 'NotFound',
      message: `no CNI network configuration named "nope" in ${dir}; files not usable: ${join(dir, '10-bad.conflist')}: plugins: must hold at least one plugin`,
    });
  });

  it('finds nothing in a directory that does not exist', async () => {
    expect(await loadNetworkConfigs(join(dir, 'absent'))).toEqual({ networks: [], invalid: [] });
  });
});
