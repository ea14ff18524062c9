// A corpus of hostile layers: each must be refused with a clear error and
// must not write anything outside the target directory.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeError } from '@ce/protocol';
import { buildLayer, type LayerEntry } from '../../src/unpack/pack.js';
import { unpackLayer } from '../../src/unpack/unpack-layer.js';
import { tempDir } from '../helpers/image.js';

let sandbox: { path: string; cleanup: () => Promise<void> };
let target: string;
let outside: string;

beforeEach(async () => {
  // sandbox/outside/ holds a victim file; sandbox/layer/target/ is where layers go.
  sandbox = await tempDir('ce-unpack-safety-');
  outside = join(sandbox.path, 'outside');
  target = join(sandbox.path, 'layer', 'target');
  await mkdir(outside);
  await mkdir(target, { recursive: true });
  await writeFile(join(outside, 'victim'), 'original');
});
afterEach(() => sandbox.cleanup());

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

async function expectRefused(entries: LayerEntry[], message: RegExp): Promise<void> {
  const layer = await buildLayer(entries);
  const before = await listTree(sandbox.path);
  const err = await unpackLayer(Readable.from([layer.blob]), target).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the layer was unpacked instead of refused').toBeInstanceOf(CeError);
  expect((err as CeError).code).toBe('InvalidArgument');
  expect((err as CeError).message).toMatch(message);
  // Nothing outside the target changed.
  expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('original');
  const after = (await listTree(sandbox.path)).filter((p) => !p.startsWith('layer/target/') && p !== 'layer/target');
  expect(after).toEqual(before.filter((p) => !p.startsWith('layer/target/') && p !== 'layer/target'));
}

describe('unpack refuses hostile layers', () => {
  it('"../" traversal', async () => {
    await expectRefused(
      [{ name: '../../outside/victim', data: 'pwned' }],
      /refusing layer entry "\.\.\/\.\.\/outside\/victim": the path contains "\.\."/,
    );
  });

  it('".." in the middle of a path', async () => {
    await expectRefused([{ name: 'a/../../../outside/new', data: 'x' }], /the path contains "\.\."/);
  });

  it('an absolute path', async () => {
    await expectRefused([{ name: `${outside}/victim`, data: 'pwned' }], /absolute paths are not allowed in a layer/);
  });

  it('a symlink, then a write through it', async () => {
    await expectRefused(
      [
        { name: 'escape', type: 'symlink', linkname: outside },
        { name: 'escape/victim', data: 'pwned' },
      ],
      /refusing layer entry "escape\/victim": "escape" is a symlink; writing through it could escape the layer root/,
    );
  });

  it('a relative symlink, then a new file through it', async () => {
    await expectRefused(
      [
        { name: 'up', type: 'symlink', linkname: '../../outside' },
        { name: 'up/new-file', data: 'pwned' },
      ],
      /"up" is a symlink/,
    );
  });

  it('a symlink, then a directory through it', async () => {
    await expectRefused(
      [
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'd/sub/', type: 'directory' },
      ],
      /"d" is a symlink/,
    );
  });

  it('a hard link to a file outside', async () => {
    await expectRefused(
      [{ name: 'stolen', type: 'link', linkname: '../../outside/victim' }],
      /refusing layer entry "stolen": hard link target "\.\.\/\.\.\/outside\/victim" is outside the layer/,
    );
  });

  it('a hard link through a symlink', async () => {
    await expectRefused(
      [
        { name: 'o', type: 'symlink', linkname: outside },
        { name: 'stolen', type: 'link', linkname: 'o/victim' },
      ],
      /hard link target "o\/victim": "o" is a symlink/,
    );
  });

  it('a hard link to an absolute host path that is not in the layer', async () => {
    await expectRefused(
      [{ name: 'stolen', type: 'link', linkname: `${outside}/victim` }],
      /hard link target ".*outside\/victim": .*does not exist in the layer/,
    );
  });

  it('a truncated gzip stream', async () => {
    const layer = await buildLayer([{ name: 'file', data: 'x'.repeat(100_000) }]);
    const before = await listTree(sandbox.path);
    const err = await unpackLayer(Readable.from([layer.blob.subarray(0, layer.blob.length - 200)]), target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeError);
    expect((err as CeError).message).toBe('corrupt layer: the compressed stream is truncated');
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('original');
    expect((await listTree(sandbox.path)).filter((p) => !p.startsWith('layer/target/'))).toEqual(
      before.filter((p) => !p.startsWith('layer/target/')),
    );
  });

  it('a truncated tar stream', async () => {
    const layer = await buildLayer([{ name: 'file', data: 'x'.repeat(10_000) }], { compression: 'none' });
    const err = await unpackLayer(Readable.from([layer.blob.subarray(0, 4096)]), target).catch((e: unknown) => e);
    expect((err as CeError).message).toBe('corrupt layer: the tar stream is truncated');
  });

  it('garbage instead of a tar', async () => {
    const err = await unpackLayer(Readable.from([Buffer.alloc(1024, 0x41)]), target).catch((e: unknown) => e);
    expect((err as CeError).code).toBe('InvalidArgument');
    expect((err as CeError).message).toMatch(/^corrupt layer: Invalid tar header/);
  });

  it('a whiteout that names its parent', async () => {
    await expectRefused([{ name: 'dir/.wh...', data: '' }], /the path contains "\.\."|a whiteout must name a file/);
  });

  it('a device node other than a 0:0 whiteout (policy: refused unless the caller allows devices)', async () => {
    await expectRefused([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }], /refusing layer entry "dev\/sda": it is a block device 8:0, and device nodes are not allowed in layers \(only 0:0 whiteouts\)/);
    await expectRefused([{ name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1 }], /it is a character device 1:1/);
  });
});

describe('device nodes the policy allows', () => {
  it('a 0:0 character device (a whiteout) and, when allowed, other devices', async () => {
    const made: string[] = [];
    const fsOps = { mknod: (p: string, mode: number, major: number, minor: number) => void made.push(`${p.slice(target.length)} ${mode.toString(8)} ${major}:${minor}`), lsetxattr: () => undefined };
    const whiteout = await buildLayer([{ name: 'gone', type: 'character-device', devmajor: 0, devminor: 0 }]);
    // The fake mknod creates nothing, so chmod and lutimes of the node fail after the policy check: that is not what is tested here.
    await unpackLayer(Readable.from([whiteout.blob]), target, { fsOps, preserveOwner: false }).catch(() => undefined);
    const device = await buildLayer([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }]);
    await unpackLayer(Readable.from([device.blob]), target, { fsOps, preserveOwner: false, allowDevices: true }).catch(() => undefined);
    expect(made).toEqual(['/gone 20644 0:0', '/null 20666 1:3']);
  });
});
