// Filling a volume from the image reads the container's layers as overlayfs
// shows them: whiteouts (0/0 character devices) and opaque folders (the
// trusted.overlay.opaque xattr) hide lower layers. Root: both need it.
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lsetxattr, mknod, S_IFCHR } from '@ce/native';
import { copyImageContent, imagePathKind } from '../../src/volumes/image-content.js';

const root = process.getuid?.() === 0;

describe.skipIf(!root)('image content for a volume (needs root: whiteouts and trusted xattrs)', () => {
  let dir: string;
  let layers: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-image-content-'));
    layers = ['top', 'middle', 'bottom'].map((l) => join(dir, l));
    // bottom: /data/{a,b,old/x}, /opaque/{gone}; middle: whites out /data/b, /data/link → a;
    // top: /data/c, an opaque /opaque with /opaque/new, /data/old replaced by a file.
    await mkdir(join(layers[2]!, 'data/old'), { recursive: true });
    await writeFile(join(layers[2]!, 'data/a'), 'a');
    await writeFile(join(layers[2]!, 'data/b'), 'b');
    await writeFile(join(layers[2]!, 'data/old/x'), 'x');
    await mkdir(join(layers[2]!, 'opaque'), { recursive: true });
    await writeFile(join(layers[2]!, 'opaque/gone'), 'gone');
    await mkdir(join(layers[1]!, 'data'), { recursive: true });
    mknod(join(layers[1]!, 'data/b'), S_IFCHR | 0o600, 0, 0);
    await symlink('a', join(layers[1]!, 'data/link'));
    await mkdir(join(layers[0]!, 'data'), { recursive: true });
    await writeFile(join(layers[0]!, 'data/c'), 'c');
    await writeFile(join(layers[0]!, 'data/old'), 'now a file');
    await chown(join(layers[0]!, 'data'), 1234, 5678);
    await mkdir(join(layers[0]!, 'opaque'), { recursive: true });
    lsetxattr(join(layers[0]!, 'opaque'), 'trusted.overlay.opaque', 'y');
    await writeFile(join(layers[0]!, 'opaque/new'), 'new');
    await mkdir(join(dir, 'volume'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the merged view: whiteouts hide, opaque folders stop, the topmost entry wins, owners are kept', async () => {
    expect(await copyImageContent(layers, '/data', join(dir, 'volume'))).toBe(true);
    const volume = join(dir, 'volume');
    expect((await readdir(volume)).sort()).toEqual(['a', 'c', 'link', 'old']);
    expect(await readFile(join(volume, 'old'), 'utf8')).toBe('now a file');
    expect(await readlink(join(volume, 'link'))).toBe('a');
    const st = await lstat(volume);
    expect([st.uid, st.gid]).toEqual([1234, 5678]);
  });

  it('reads nothing below an opaque folder', async () => {
    expect(await copyImageContent(layers, '/opaque', join(dir, 'volume'))).toBe(true);
    expect(await readdir(join(dir, 'volume'))).toEqual(['new']);
  });

  it('tells a file, a folder and nothing apart (a whited-out path is nothing)', async () => {
    expect(await imagePathKind(layers, '/data')).toBe('dir');
    expect(await imagePathKind(layers, '/data/a')).toBe('file');
    expect(await imagePathKind(layers, '/data/b')).toBe('none');
    expect(await imagePathKind(layers, '/data/old/x')).toBe('none');
    expect(await imagePathKind(layers, '/absent')).toBe('none');
    expect(await copyImageContent(layers, '/absent', join(dir, 'volume'))).toBe(false);
  });
});
