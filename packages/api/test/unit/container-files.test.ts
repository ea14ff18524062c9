// ContainerFiles over fakes: which tree a call uses (the task's rootfs, or a
// mount made for the call and removed after it), and Docker's answers.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerFiles, type RootfsMounter } from '../../src/containers/container-files.js';
import type { ContainerRecord } from '../../src/containers/record.js';
import { testRecord } from '../support/record.js';

let base: string;
let image: string;
let taskRootfs: string;
let scratch: string;
let volume: string;
let mounted: Set<string>;
let calls: string[];

/** "Mounts" by copying the image folder in, "unmounts" by emptying the target. */
const mounter: RootfsMounter = {
  isMounted: async (dir) => mounted.has(dir),
  mount: (_rootfs, target) => {
    calls.push('mount');
    cpSync(image, target, { recursive: true, verbatimSymlinks: true });
  },
  unmount: (target) => {
    calls.push('unmount');
    for (const name of readdirSync(target)) rmSync(join(target, name), { recursive: true, force: true });
  },
};

function files(record: ContainerRecord): ContainerFiles {
  const rootfs = [{ type: 'overlay', source: 'overlay', target: '', options: [`upperdir=${join(base, 'upper')}`, `lowerdir=${image}`] }];
  return new ContainerFiles({ filesystem: () => ({ record, rootfs, taskRootfs }) }, scratch, mounter);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'ce-container-files-'));
  image = join(base, 'image');
  taskRootfs = join(base, 'tasks/id/rootfs');
  scratch = join(base, 'cp-mounts');
  volume = join(base, 'volume');
  for (const d of [join(image, 'etc'), taskRootfs, volume, join(base, 'upper')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(image, 'etc/passwd'), 'root:x:0:0\n');
  symlinkSync('/etc', join(image, 'etc-link'));
  mounted = new Set();
  calls = [];
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function withVolume(o: { readOnlyRoot?: boolean; volumeRw?: boolean } = {}): ContainerRecord {
  const record = testRecord({ name: 'web', hostConfig: { ReadonlyRootfs: o.readOnlyRoot ?? false } });
  record.MountPoints = [{ Type: 'volume', Name: 'v', Source: volume, Destination: '/data', Driver: 'local', Mode: '', RW: o.volumeRw ?? true, Propagation: '', CopyData: true, Spec: { Type: 'volume', Source: 'v', Target: '/data' } } as never];
  return record;
}

async function tarOf(name: string, body: string): Promise<Readable> {
  const pack = tar.pack();
  pack.entry({ name, mode: 0o644, uid: 1000, gid: 1000 }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Readable.from([Buffer.concat(chunks)]);
}

describe('ContainerFiles', () => {
  it("stats a stopped container's path on a mount made for the call, removed after it", async () => {
    const stat = await files(withVolume()).statPath('web', '/etc-link');
    expect(stat).toMatchObject({ name: 'etc-link', linkTarget: '/etc' });
    expect(stat.mode & 2 ** 27).toBeTruthy(); // Go's ModeSymlink
    expect(calls).toEqual(['mount', 'unmount']);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("uses a running container's task rootfs without mounting anything", async () => {
    mounted.add(taskRootfs);
    writeFileSync(join(taskRootfs, 'live'), 'x');
    expect(await files(withVolume()).statPath('web', '/live')).toMatchObject({ name: 'live', size: 1, linkTarget: '' });
    expect(calls).toEqual([]);
  });

  it('answers a missing path with Docker words, and unmounts all the same', async () => {
    await expect(files(withVolume()).statPath('web', '/nope')).rejects.toMatchObject({ code: 'NotFound', message: 'Could not find the file /nope in container web' });
    expect(calls).toEqual(['mount', 'unmount']);
  });

  it('archives the stat first, then the tar', async () => {
    const items = [];
    for await (const item of files(withVolume()).archivePath('web', '/etc/passwd')) items.push(item);
    expect(items[0]).toMatchObject({ stat: { name: 'passwd', size: 11 } });
    expect(Buffer.concat(items.slice(1).map((i) => ('data' in i ? i.data : Buffer.alloc(0)))).subarray(0, 6).toString()).toBe('passwd');
  });

  // Giving the files to the container's root (uid 0) needs root.
  it.skipIf(process.getuid?.() !== 0)('extracts into a volume and through a symlink destination', async () => {
    mounted.add(taskRootfs);
    mkdirSync(join(taskRootfs, 'etc'));
    symlinkSync('/etc', join(taskRootfs, 'etc-link'));
    const f = files(withVolume());
    await f.extractToPath('web', '/data', await tarOf('v.txt', 'volume\n'), { allowOverwriteDirWithFile: false, copyUidGid: false });
    expect(readFileSync(join(volume, 'v.txt'), 'utf8')).toBe('volume\n');
    await f.extractToPath('web', '/etc-link', await tarOf('through', 'x'), { allowOverwriteDirWithFile: false, copyUidGid: false });
    expect(existsSync(join(taskRootfs, 'etc/through'))).toBe(true);
    await expect(f.extractToPath('web', '/data/v.txt', await tarOf('x', 'x'), { allowOverwriteDirWithFile: false, copyUidGid: false })).rejects.toMatchObject({ code: 'InvalidArgument', message: 'extraction point is not a directory' });
  });

  it('refuses a read-only rootfs or volume in Docker words', async () => {
    mounted.add(taskRootfs);
    mkdirSync(join(taskRootfs, 'tmp'));
    await expect(files(withVolume({ readOnlyRoot: true })).extractToPath('web', '/tmp', await tarOf('f', 'x'), { allowOverwriteDirWithFile: false, copyUidGid: false })).rejects.toMatchObject({ message: 'container rootfs is marked read-only' });
    await expect(files(withVolume({ volumeRw: false })).extractToPath('web', '/data', await tarOf('f', 'x'), { allowOverwriteDirWithFile: false, copyUidGid: false })).rejects.toMatchObject({ message: 'mounted volume is marked read-only' });
    expect(readdirSync(volume)).toEqual([]);
  });
});
