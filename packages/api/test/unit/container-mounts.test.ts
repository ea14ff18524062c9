import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notFound } from '@ce/protocol/errors';
import { defaultHostConfig, mergeContainerConfig, type HostConfig } from '../../src/containers/model/index.js';
import type { ContainerRecord } from '../../src/containers/record.js';
import { ContainerMounts } from '../../src/volumes/container-mounts.js';
import { LocalDriver } from '../../src/volumes/local-driver.js';
import { VolumeService } from '../../src/volumes/volume-service.js';
import { fakeMounter } from '../support/fake-mounter.js';
import { testRecord } from '../support/record.js';

let dir: string;
let volumes: VolumeService;
let mounts: ContainerMounts;
const others = new Map<string, ContainerRecord>();
const ID = 'c'.repeat(64);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ce-container-mounts-'));
  volumes = new VolumeService(await LocalDriver.open(join(dir, 'root/volumes'), fakeMounter()));
  // The image: /data with a file in the lower layer, /data/more in the upper one; /etc/conf is a file.
  await mkdir(join(dir, 'lower/data'), { recursive: true });
  await writeFile(join(dir, 'lower/data/hello'), 'from the image\n');
  await mkdir(join(dir, 'upper/data/more'), { recursive: true });
  await mkdir(join(dir, 'lower/etc'), { recursive: true });
  await writeFile(join(dir, 'lower/etc/conf'), 'x');
  others.clear();
  mounts = new ContainerMounts({
    volumes,
    daemonRoot: join(dir, 'root'),
    resolveContainer: (ref) => {
      const r = others.get(ref);
      if (!r) throw notFound(`No such container: ${ref}`);
      return r;
    },
    layerDirs: () => [join(dir, 'upper'), join(dir, 'lower')],
    pathExists: (p) => p === '/srv' || p.startsWith(dir),
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (volumesAt: string[] = []) => ({ ...mergeContainerConfig(ID, { Image: 'i' }, {}), Volumes: volumesAt.length ? Object.fromEntries(volumesAt.map((v) => [v, {}])) : null });
const host = (h: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...h });

describe("create's mount points", () => {
  it('are the -v, --mount and image VOLUME ones, as Docker records them', async () => {
    const points = await mounts.register(
      ID,
      config(['/data', '/n']),
      host({ Binds: ['named:/n', '/srv/www:/www:ro'], Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 << 20 } }, { Type: 'bind', Source: '/srv', Target: '/b', BindOptions: { Propagation: 'rslave' } }] }),
    );
    const byDest = Object.fromEntries(points.map((p) => [p.Destination, p]));
    expect(points.map((p) => p.Destination)).toEqual(['/n', '/www', '/t', '/b', '/data']);
    expect(byDest['/n']).toMatchObject({ Type: 'volume', Name: 'named', Driver: 'local', Mode: 'z', RW: true, Propagation: '', Source: join(dir, 'root/volumes/named/_data') });
    expect(byDest['/www']).toMatchObject({ Type: 'bind', Source: '/srv/www', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    expect(byDest['/b']).toMatchObject({ Type: 'bind', Propagation: 'rslave', Mode: '', SkipMountpointCreation: true });
    expect(byDest['/t']).toMatchObject({ Type: 'tmpfs', Source: '', Mode: '', RW: true });
    expect(byDest['/data']).toMatchObject({ Type: 'volume', Mode: '', Driver: 'local', CopyData: true });
    expect(byDest['/data']!.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(volumes.users('named')).toEqual([ID]);
    // The anonymous volume was filled from the image's layers; the named one too (it was empty).
    expect((await readdir(byDest['/data']!.Source)).sort()).toEqual(['hello', 'more']);
    expect(await readFile(join(byDest['/data']!.Source, 'hello'), 'utf8')).toBe('from the image\n');
  });

  it('refuse what Docker refuses, leaving no volume and no reference behind', async () => {
    await expect(mounts.register(ID, config(), host({ Binds: ['v1:/x', 'v2:/x'] }))).rejects.toThrow('Duplicate mount point: /x');
    await expect(mounts.register(ID, config(), host({ Binds: ['v3:/x'], Tmpfs: { '/x': '' } }))).rejects.toThrow('Duplicate mount point: /x');
    await expect(mounts.register(ID, config(['/etc/conf']), host({ Binds: ['v4:/y'] }))).rejects.toThrow('cannot mount volume over existing file, file exists /etc/conf');
    await expect(mounts.register(ID, config(), host({ Binds: [`${dir}/root/volumes:/v:private`] }))).rejects.toThrow(
      'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root',
    );
    expect(await volumes.list({})).toEqual([]);
  });

  it('make a bind of the daemon root rslave, as dockerd does', async () => {
    const [point] = await mounts.register(ID, config(), host({ Binds: ['/:/host'] }));
    expect(point).toMatchObject({ Type: 'bind', Source: '/', Propagation: 'rslave' });
  });

  it('keep an existing volume\'s content (only an empty one is filled), and nocopy fills none', async () => {
    await volumes.create({ name: 'full' });
    await writeFile(join(dir, 'root/volumes/full/_data/mine'), 'mine');
    await mounts.register(ID, config(), host({ Binds: ['full:/data', 'empty:/data/more:nocopy'] }));
    expect(await readdir(join(dir, 'root/volumes/full/_data'))).toEqual(['mine']);
    expect(await readdir(join(dir, 'root/volumes/empty/_data'))).toEqual([]);
  });

  it('come from --volumes-from, read-only with :ro, referencing the same volumes', async () => {
    const source = testRecord({ id: 'd'.repeat(64), name: 'src' });
    source.MountPoints = await mounts.register(source.Id, config(['/shared']), host({ Binds: ['/srv:/srv'] }));
    others.set('src', source);
    const points = await mounts.register(ID, config(), host({ VolumesFrom: ['src:ro'] }));
    expect(points.map((p) => [p.Destination, p.RW])).toEqual([['/srv', false], ['/shared', false]]);
    const name = points[1]!.Name!;
    expect(volumes.users(name)).toEqual([source.Id, ID]);
    await expect(mounts.register(ID, config(), host({ VolumesFrom: ['nope'] }))).rejects.toThrow('No such container: nope');
  });

  it('are released on removal; rm -v removes anonymous volumes no other container uses', async () => {
    const record = testRecord({ id: ID });
    record.MountPoints = await mounts.register(ID, config(['/data']), host({ Binds: ['named:/n'] }));
    const anonymous = record.MountPoints.find((p) => p.Destination === '/data')!.Name!;
    expect(await mounts.release(record, true)).toEqual([]);
    const left = (await volumes.list({})).map((v) => v.Name);
    expect(left).toEqual(['named']);
    expect(volumes.inUse('named')).toBe(false);
    expect(left).not.toContain(anonymous);
  });

  it('are checked before anything is created', () => {
    expect(() => mounts.check({ Tmpfs: { rel: '' } })).toThrow("invalid mount path: 'rel' mount path must be absolute");
    expect(() => mounts.check({ Binds: ['/a:/b:xx'] })).toThrow('invalid mode: xx');
    expect(() => mounts.check({ Mounts: [{ Type: 'bind', Source: '/absent', Target: '/x' }] })).toThrow(
      'invalid mount config for type "bind": bind source path does not exist: /absent',
    );
    expect(() => mounts.check({ VolumesFrom: ['ghost'] })).toThrow('No such container: ghost');
  });
});
