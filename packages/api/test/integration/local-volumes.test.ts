// The local driver's mounts on the real kernel: a tmpfs-backed and a
// bind-backed volume are mounted on their _data while held and unmounted
// after; a bind-backed volume's removal never deletes the host folder.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../src/volumes/local-driver.js';
import { isMountPoint, readMountInfo } from '../../src/volumes/mountinfo.js';
import { nativeMounter } from '../../src/volumes/native-mounter.js';

const root = process.getuid?.() === 0;
const mountsUnder = (dir: string) => readMountInfo().filter((m) => m.mountPoint.startsWith(`${dir}/`));

describe.skipIf(!root)('local volumes with options (needs root: mount)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-local-volumes-'));
  });
  afterEach(async () => {
    for (const m of mountsUnder(dir).reverse()) nativeMounter.unmount(m.mountPoint);
    await rm(dir, { recursive: true, force: true });
  });

  it('mounts a tmpfs volume for its holders, then unmounts it', async () => {
    const driver = await LocalDriver.open(join(dir, 'volumes'), nativeMounter);
    await driver.create({ Name: 'fast', CreatedAt: '', Labels: {}, Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0700' } });
    const path = driver.mount('fast', 'c1');
    expect(isMountPoint(path)).toBe(true);
    driver.mount('fast', 'c2');
    driver.unmount('fast', 'c1');
    expect(isMountPoint(path)).toBe(true);
    driver.unmount('fast', 'c2');
    expect(isMountPoint(path)).toBe(false);
  });

  it('binds a host folder, and removing the volume leaves that folder and its files', async () => {
    const host = join(dir, 'host');
    await mkdir(host);
    await writeFile(join(host, 'precious'), 'keep me');
    const driver = await LocalDriver.open(join(dir, 'volumes'), nativeMounter);
    await driver.create({ Name: 'bound', CreatedAt: '', Labels: {}, Options: { type: 'none', o: 'bind', device: host } });
    const path = driver.mount('bound', 'c1');
    expect(await readdir(path)).toEqual(['precious']);
    await driver.remove('bound'); // unmounts first, never deletes through the mount
    expect(await readFile(join(host, 'precious'), 'utf8')).toBe('keep me');
    expect(mountsUnder(dir)).toEqual([]);
  });

  it('says why a bind-backed volume does not mount, as Docker does', async () => {
    const driver = await LocalDriver.open(join(dir, 'volumes'), nativeMounter);
    await driver.create({ Name: 'bindv', CreatedAt: '', Labels: {}, Options: { type: 'none', o: 'bind', device: join(dir, 'nonexist') } });
    const path = join(dir, 'volumes/bindv/_data');
    expect(() => driver.mount('bindv', 'c1')).toThrow(
      `error while mounting volume '${path}': failed to mount local volume: mount ${join(dir, 'nonexist')}:${path}, flags: 0x1000: no such file or directory`,
    );
  });
});
