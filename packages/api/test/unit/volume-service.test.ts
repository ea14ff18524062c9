import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../src/volumes/local-driver.js';
import { VolumeService } from '../../src/volumes/volume-service.js';
import { fakeMounter } from '../support/fake-mounter.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-volumes-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the local driver', () => {
  it('keeps each volume as <dir>/<name>/_data with its metadata, found again when reopened', async () => {
    const driver = await LocalDriver.open(dir, fakeMounter());
    const v = await driver.create({ Name: 'data', CreatedAt: '2026-01-01T00:00:00Z', Labels: { a: 'b' }, Options: {} });
    expect(v.mountpoint).toBe(join(dir, 'data/_data'));
    expect(await readdir(join(dir, 'data'))).toEqual(['_data', 'volume.json']);
    const again = await LocalDriver.open(dir, fakeMounter());
    expect(again.get('data')).toMatchObject({ Name: 'data', Labels: { a: 'b' }, mountpoint: join(dir, 'data/_data') });
  });

  it('gives two creates of one name at once the same volume', async () => {
    const driver = await LocalDriver.open(dir, fakeMounter());
    const meta = { Name: 'twice', CreatedAt: '', Labels: null, Options: null };
    const [a, b] = await Promise.all([driver.create(meta), driver.create(meta)]);
    expect(a).toBe(b);
    expect(await readdir(dir)).toEqual(['twice']);
  });

  it('finishes what a crash interrupted: half-made and half-removed volumes go', async () => {
    await mkdir(join(dir, '.creating-x-1234/_data'), { recursive: true });
    await mkdir(join(dir, '.removing-y-5678/_data'), { recursive: true });
    await writeFile(join(dir, '.removing-y-5678/_data/f'), 'x');
    const driver = await LocalDriver.open(dir, fakeMounter());
    expect(driver.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses names and options the local driver cannot hold, in Docker\'s words', async () => {
    const driver = await LocalDriver.open(dir, fakeMounter());
    await expect(driver.create({ Name: 'a/b', CreatedAt: '', Labels: null, Options: null })).rejects.toThrow('"a/b" includes invalid characters for a local volume name');
    await expect(driver.create({ Name: 'ok', CreatedAt: '', Labels: null, Options: { foo: 'bar' } })).rejects.toThrow('invalid option: "foo"');
    await expect(driver.create({ Name: 'ok', CreatedAt: '', Labels: null, Options: { device: 'tmpfs' } })).rejects.toThrow('missing required option: "type"');
    expect(await readdir(dir)).toEqual([]);
  });

  it('mounts a volume with options for its first holder and unmounts it after the last', async () => {
    const mounter = fakeMounter();
    const driver = await LocalDriver.open(dir, mounter);
    await driver.create({ Name: 'fast', CreatedAt: '', Labels: {}, Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000' } });
    const path = driver.mount('fast', 'c1');
    driver.mount('fast', 'c2');
    expect(mounter.calls).toEqual([`mount tmpfs ${path} tmpfs size=1m,uid=1000`]);
    driver.unmount('fast', 'c1');
    expect(mounter.mounted.has(path)).toBe(true);
    driver.unmount('fast', 'c2');
    driver.unmount('fast', 'c2'); // a second teardown does nothing
    expect(mounter.calls).toEqual([`mount tmpfs ${path} tmpfs size=1m,uid=1000`, `unmount ${path}`]);
  });

  it('says why a volume would not mount as Docker does', async () => {
    const enoent = Object.assign(new Error('mount failed'), { code: 'ENOENT', flags: 0x1000 });
    const driver = await LocalDriver.open(dir, fakeMounter({ fail: () => enoent }));
    await driver.create({ Name: 'bindv', CreatedAt: '', Labels: {}, Options: { type: 'none', o: 'bind', device: '/nonexist' } });
    const path = join(dir, 'bindv/_data');
    expect(() => driver.mount('bindv', 'c1')).toThrow(
      `error while mounting volume '${path}': failed to mount local volume: mount /nonexist:${path}, flags: 0x1000: no such file or directory`,
    );
  });

  it('after a restart, keeps mounts running containers hold and unmounts the others', async () => {
    const mounter = fakeMounter();
    const driver = await LocalDriver.open(dir, mounter);
    for (const name of ['held', 'loose']) await driver.create({ Name: name, CreatedAt: '', Labels: {}, Options: { type: 'tmpfs', device: 'tmpfs' } });
    driver.mount('held', 'c1');
    driver.mount('loose', 'c2');
    const restarted = await LocalDriver.open(dir, mounter);
    expect(restarted.adoptMounts((name) => (name === 'held' ? ['c1'] : []))).toEqual(['loose']);
    restarted.unmount('held', 'c1');
    expect([...mounter.mounted.keys()]).toEqual([]);
  });

  it('never deletes through a mount left on a volume being removed', async () => {
    const mounter = fakeMounter();
    const driver = await LocalDriver.open(dir, mounter);
    await driver.create({ Name: 'bb', CreatedAt: '', Labels: {}, Options: { type: 'none', o: 'bind', device: '/srv' } });
    driver.mount('bb', 'c1');
    await driver.remove('bb');
    expect(mounter.calls.at(-1)).toBe(`unmount ${join(dir, 'bb/_data')}`);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('the volume service', () => {
  it('refuses to remove a volume a container references, even with force, and removes it once released', async () => {
    const volumes = new VolumeService(await LocalDriver.open(dir, fakeMounter()));
    await volumes.createFor('c1', { Name: 'held', Labels: null, Options: null });
    volumes.reference('held', 'c2');
    await expect(volumes.remove('held', true)).rejects.toMatchObject({ code: 'Conflict', message: 'remove held: volume is in use - [c1, c2]' });
    volumes.release('held', 'c1');
    volumes.release('held', 'c2');
    await volumes.remove('held', false);
    await expect(volumes.remove('held', false)).rejects.toMatchObject({ code: 'NotFound', message: 'No such volume: held' });
    await volumes.remove('held', true);
  });

  it('creates idempotently, and prefixes the driver\'s errors with the operation', async () => {
    const events: string[] = [];
    const volumes = new VolumeService(await LocalDriver.open(dir, fakeMounter()), { volume: (name, action) => void events.push(`${action} ${name}`) });
    const first = await volumes.create({ name: 'xx', labels: { a: '1' } });
    expect(first).toMatchObject({ Name: 'xx', Driver: 'local', Labels: { a: '1' }, Options: {}, Scope: 'local' });
    expect(first.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await volumes.create({ name: 'xx' })).toEqual(first);
    await expect(volumes.create({ name: 'x' })).rejects.toThrow('create x: "x" includes invalid characters');
    await expect(volumes.create({ name: 'yy', driver: 'nfs-plugin' })).rejects.toThrow('create yy: error looking up volume plugin nfs-plugin: plugin "nfs-plugin" not found');
    expect((await volumes.create({})).Name).toMatch(/^[0-9a-f]{64}$/);
    await volumes.remove('xx', false);
    // Docker's events: create once (not for an existing name), destroy on removal.
    expect(events.filter((e) => !/^create [0-9a-f]{64}$/.test(e))).toEqual(['create xx', 'destroy xx']);
  });

  it('lists with Docker\'s filters', async () => {
    const volumes = new VolumeService(await LocalDriver.open(dir, fakeMounter()));
    await volumes.create({ name: 'web-data', labels: { team: 'web' } });
    await volumes.create({ name: 'db-data', labels: { team: 'db', tier: 'x' } });
    volumes.reference('db-data', 'c1');
    const names = async (f: Record<string, string[]>) => (await volumes.list(f)).map((v) => v.Name).sort();
    expect(await names({ dangling: ['true'] })).toEqual(['web-data']);
    expect(await names({ dangling: ['0'] })).toEqual(['db-data']);
    expect(await names({ label: ['team'] })).toEqual(['db-data', 'web-data']);
    expect(await names({ label: ['team=db', 'tier'] })).toEqual(['db-data']);
    expect(await names({ name: ['^web'] })).toEqual(['web-data']);
    expect(await names({ driver: ['local'] })).toEqual(['db-data', 'web-data']);
    await expect(volumes.list({ bogus: ['1'] })).rejects.toThrow("Invalid filter 'bogus'");
    await expect(volumes.list({ dangling: ['maybe'] })).rejects.toThrow("Invalid filter 'dangling=maybe'");
  });

  it('prunes unused volumes without options, reporting the bytes reclaimed', async () => {
    const driver = await LocalDriver.open(dir, fakeMounter());
    const volumes = new VolumeService(driver);
    const unused = await volumes.create({ name: 'unused', labels: { keep: 'no' } });
    await writeFile(join(unused.Mountpoint, 'f'), 'eleven byte');
    await volumes.create({ name: 'kept', labels: { keep: 'yes' } });
    await volumes.create({ name: 'tmp', options: { type: 'tmpfs', device: 'tmpfs' } });
    await volumes.createFor('c1', { Name: 'used', Labels: null, Options: null });
    expect(await volumes.prune({ 'label!': ['keep=yes'] })).toEqual({ deleted: ['unused'], spaceReclaimed: 11 });
    expect((await volumes.list({})).map((v) => v.Name).sort()).toEqual(['kept', 'tmp', 'used']);
    await expect(volumes.prune({ dangling: ['true'] })).rejects.toThrow("Invalid filter 'dangling'");
  });
});
