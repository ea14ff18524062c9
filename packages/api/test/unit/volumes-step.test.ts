import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMountSpec, parseVolumeSpec } from '@ce/protocol/mounts';
import { applySpecOptsSync, defaultSpec, withHostsFiles } from '@ce/runtime/spec';
import type { StoredMountPoint } from '../../src/containers/record.js';
import type { StartContext } from '../../src/containers/start-pipeline.js';
import { parseMountInfo } from '../../src/volumes/mountinfo.js';
import { containerMounts, volumesStep, withContainerMounts } from '../../src/volumes/volumes-step.js';
import { testRecord } from '../support/record.js';

const volume = (raw: string, source: string): StoredMountPoint => ({ ...parseVolumeSpec(raw), Source: source, Driver: 'local' });

describe("a container's mounts in the spec", () => {
  it('are in Docker 20.10\'s order with its options (binds and volumes, then --tmpfs, then --mount tmpfs)', () => {
    // What `docker create -v /h:/h:ro --mount type=bind,source=/etc,target=/bt,bind-propagation=private
    //   --mount type=volume,source=tmpv,target=/tv,volume-nocopy -v named2:/data:ro,z -v named:/n
    //   --tmpfs /tf:size=2m,exec --mount type=tmpfs,target=/tm,tmpfs-size=1m,tmpfs-mode=1770` put in config.json.
    const record = testRecord({ hostConfig: { Tmpfs: { '/tf': 'size=2m,exec' } } });
    record.MountPoints = [
      parseVolumeSpec('/hostdir:/h:ro'),
      parseMountSpec({ Type: 'bind', Source: '/etc', Target: '/bt', BindOptions: { Propagation: 'private' } }),
      { ...parseMountSpec({ Type: 'volume', Source: 'tmpv', Target: '/tv', VolumeOptions: { NoCopy: true } }), Source: '/v/tmpv/_data' },
      volume('named2:/data:ro,z', '/v/named2/_data'),
      volume('named:/n', '/v/named/_data'),
      parseMountSpec({ Type: 'tmpfs', Target: '/tm', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o1770 } }),
    ];
    expect(containerMounts(record, new Map())).toEqual([
      { destination: '/h', type: 'bind', source: '/hostdir', options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/bt', type: 'bind', source: '/etc', options: ['rbind', 'private'] },
      { destination: '/tv', type: 'bind', source: '/v/tmpv/_data', options: ['rbind'] },
      { destination: '/data', type: 'bind', source: '/v/named2/_data', options: ['rbind', 'ro'] },
      { destination: '/n', type: 'bind', source: '/v/named/_data', options: ['rbind'] },
      { destination: '/tf', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rprivate', 'size=2m', 'exec'] },
      { destination: '/tm', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'mode=1770', 'size=1m'] },
    ]);
  });

  it('are sorted parents first, keeping their order otherwise', () => {
    const record = testRecord();
    record.MountPoints = [parseVolumeSpec('/a:/x/y/z'), parseVolumeSpec('/b:/x'), parseVolumeSpec('/c:/w/v'), parseVolumeSpec('/d:/u')];
    expect(containerMounts(record, new Map()).map((m) => m.destination)).toEqual(['/x', '/u', '/w/v', '/x/y/z']);
  });

  it('replace default mounts (all of /dev\'s under a /dev mount) and set the rootfs propagation a shared or slave bind needs', () => {
    const spec = applySpecOptsSync(defaultSpec(), [
      withContainerMounts([
        { destination: '/dev/shm', type: 'bind', source: '/v/_data', options: ['rbind'] },
        { destination: '/m', type: 'bind', source: '/mnt', options: ['rbind', 'rslave'] },
      ]),
    ]);
    expect(spec.mounts!.filter((m) => m.destination === '/dev/shm')).toEqual([{ destination: '/dev/shm', type: 'bind', source: '/v/_data', options: ['rbind'] }]);
    expect(spec.linux!.rootfsPropagation).toBe('rslave');
    const dev = applySpecOptsSync(defaultSpec(), [withContainerMounts([{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'rshared'] }])]);
    expect(dev.mounts!.map((m) => m.destination).filter((d) => d.startsWith('/dev'))).toEqual(['/dev']);
    expect(dev.linux!.rootfsPropagation).toBe('shared');
  });
});

describe('mounts other steps added', () => {
  it('are sorted with the user\'s by depth, and a user mount at the same destination wins (the network\'s /etc files)', () => {
    const spec = applySpecOptsSync(defaultSpec(), [
      withHostsFiles({ resolvConf: '/c/resolv.conf', hostname: '/c/hostname', hosts: '/c/hosts' }),
      withContainerMounts([
        { destination: '/etc', type: 'bind', source: '/v/etc/_data', options: ['rbind'] },
        { destination: '/etc/hostname', type: 'bind', source: '/mine', options: ['rbind', 'rprivate'] },
      ]),
    ]);
    expect(spec.mounts!.map((m) => `${m.destination} ${m.source}`).slice(-4)).toEqual([
      '/etc /v/etc/_data',
      '/etc/hostname /mine',
      '/etc/resolv.conf /c/resolv.conf',
      '/etc/hosts /c/hosts',
    ]);
    expect(spec.mounts![0]!.destination).toBe('/proc');
  });
});

describe('the volumes step', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-volumes-step-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const driver = () => {
    const calls: string[] = [];
    return {
      calls,
      mount: (name: string, holder: string) => (calls.push(`mount ${name} ${holder}`), `/v/${name}/_data`),
      unmount: (name: string, holder: string) => (calls.push(`unmount ${name} ${holder}`), true),
    };
  };
  const ctx = (record = testRecord()): StartContext => ({ record, bundle: dir, rootfs: [], specOpts: [] });

  it('mounts the volumes, creates a missing -v folder, adds the mounts, and lets go of the volumes on teardown', async () => {
    const d = driver();
    const events: string[] = [];
    const step = volumesStep(d, () => [], { volume: (name, action, attributes) => void events.push(`${action} ${name} ${JSON.stringify(attributes)}`) });
    const c = ctx();
    const missing = join(dir, 'made/here');
    c.record.MountPoints = [volume('named:/n', '/v/named/_data'), parseVolumeSpec(`${missing}:/m`)];
    await step.setup(c);
    expect(existsSync(missing)).toBe(true);
    expect(d.calls).toEqual([`mount named ${c.record.Id}`]);
    const spec = applySpecOptsSync(defaultSpec(), c.specOpts);
    expect(spec.mounts!.slice(-2).map((m) => m.destination)).toEqual(['/n', '/m']);
    await step.teardown(c.record, 'stopped');
    expect(d.calls).toEqual([`mount named ${c.record.Id}`, `unmount named ${c.record.Id}`]);
    // Docker's volume events, with its attributes.
    expect(events).toEqual([
      `mount named ${JSON.stringify({ container: c.record.Id, destination: '/n', driver: 'local', propagation: '', 'read/write': 'true' })}`,
      `unmount named ${JSON.stringify({ container: c.record.Id, driver: 'local' })}`,
    ]);
  });

  it('refuses a --mount bind whose source went away, and a shared bind of a private mount, in Docker\'s words', async () => {
    const c = ctx();
    c.record.MountPoints = [{ ...parseMountSpec({ Type: 'bind', Source: join(dir, 'gone'), Target: '/x' }), SkipMountpointCreation: true }];
    await expect(volumesStep(driver(), () => []).setup(c)).rejects.toThrow(`invalid mount config for type "bind": bind source path does not exist: ${join(dir, 'gone')}`);
    const shared = ctx();
    shared.record.MountPoints = [parseVolumeSpec(`${dir}:/x:rshared`)];
    const privateRoot = () => parseMountInfo('22 1 8:1 / / rw,relatime - ext4 /dev/vda rw\n');
    await expect(volumesStep(driver(), privateRoot).setup(shared)).rejects.toThrow(`path ${dir} is mounted on / but it is not a shared mount`);
    const sharedRoot = () => parseMountInfo('22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n');
    await volumesStep(driver(), sharedRoot).setup(shared);
  });

  it('does nothing for a container without mounts', async () => {
    const d = driver();
    const c = ctx();
    await volumesStep(d, () => []).setup(c);
    await volumesStep(d, () => []).teardown(c.record, 'stopped');
    expect(c.specOpts).toEqual([]);
    expect(d.calls).toEqual([]);
  });
});
