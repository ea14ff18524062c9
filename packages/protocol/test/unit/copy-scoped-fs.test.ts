// The resolver and the archives against a hostile tree: symlinks to "/", to
// absolute host paths and up through "..", and tars that try to climb out.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractArchive, packResource, PathChangedError, ScopedFs, TooManyLinksError } from '../../src/copy/index.js';

let base: string;
let root: string;
let outside: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'ce-scoped-fs-'));
  root = join(base, 'rootfs');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'etc/passwd'), 'container\n');
  writeFileSync(join(outside, 'secret'), 'host\n');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const collect = async (stream: AsyncIterable<Buffer>) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
};

async function entries(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    names.push(e.header.name);
    e.resume();
  }
  return names;
}

function tarOf(items: { name: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string; body?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const i of items) pack.entry({ name: i.name, type: i.type ?? 'file', linkname: i.linkname, mode: 0o644 }, i.body ?? '');
  pack.finalize();
  return collect(pack as unknown as AsyncIterable<Buffer>);
}

describe('ScopedFs.resolve', () => {
  it('evaluates absolute symlinks against the tree, not the host', async () => {
    symlinkSync('/etc', join(root, 'hostetc'));
    const fs = new ScopedFs(root);
    expect(await fs.resolve('/hostetc/passwd')).toBe('/etc/passwd');
    expect(fs.hostPath(await fs.resolve('/hostetc/passwd'))).toBe(join(root, 'etc/passwd'));
  });

  it('keeps ".." and relative links from climbing above the root', async () => {
    symlinkSync(`../../../../../../..${outside}`, join(root, 'up'));
    symlinkSync('/', join(root, 'slash'));
    const fs = new ScopedFs(root);
    expect(await fs.resolve('/up/secret')).toBe(`${outside}/secret`);
    expect(fs.hostPath(await fs.resolve('/up/secret')).startsWith(`${root}/`)).toBe(true);
    expect(await fs.resolve('/../../etc/passwd')).toBe('/etc/passwd');
    expect(await fs.resolve('/slash/slash/etc/../etc/passwd')).toBe('/etc/passwd');
  });

  it('refuses a symlink loop', async () => {
    symlinkSync('/b', join(root, 'a'));
    symlinkSync('/a', join(root, 'b'));
    await expect(new ScopedFs(root).resolve('/a/x')).rejects.toBeInstanceOf(TooManyLinksError);
  });

  it('maps paths in mounts to their source, symlinks in them still evaluated in the tree', async () => {
    const volume = join(base, 'volume');
    mkdirSync(volume);
    symlinkSync('/etc', join(volume, 'to-etc'));
    const fs = new ScopedFs(root, [{ destination: '/data', source: volume, readOnly: true }]);
    expect(fs.hostPath('/data/x')).toBe(join(volume, 'x'));
    expect(await fs.resolve('/data/to-etc/passwd')).toBe('/etc/passwd');
    expect(fs.readOnlyReason('/data/x')).toBe('mounted volume is marked read-only');
    expect(fs.readOnlyReason('/etc')).toBeNull();
  });

  it('notices a folder swapped for a symlink after it was resolved', async () => {
    mkdirSync(join(root, 'a'));
    const fs = new ScopedFs(root);
    const resolved = await fs.resolve('/a');
    await fs.assertUnchanged(resolved);
    rmSync(join(root, 'a'), { recursive: true });
    symlinkSync(outside, join(root, 'a'));
    await expect(fs.assertUnchanged(resolved)).rejects.toBeInstanceOf(PathChangedError);
  });

  it('tells the same without the thread pool (assertUnchangedSync), in a mount too', async () => {
    mkdirSync(join(root, 'a'));
    mkdirSync(join(outside, 'vol/sub'), { recursive: true });
    const fs = new ScopedFs(root, [{ destination: '/data', source: join(outside, 'vol'), readOnly: false }]);
    fs.assertUnchangedSync(await fs.resolve('/a'));
    fs.assertUnchangedSync('/data/sub');
    rmSync(join(root, 'a'), { recursive: true });
    symlinkSync(outside, join(root, 'a'));
    expect(() => fs.assertUnchangedSync('/a')).toThrow(PathChangedError);
    rmSync(join(outside, 'vol/sub'), { recursive: true });
    symlinkSync('/etc', join(outside, 'vol/sub'));
    expect(() => fs.assertUnchangedSync('/data/sub')).toThrow(PathChangedError);
    expect(() => fs.assertUnchangedSync('/missing')).toThrow(PathChangedError);
  });

  it('keeps the last element of a request as it is, unless the request ends in / or /.', async () => {
    symlinkSync('/etc', join(root, 'link'));
    const fs = new ScopedFs(root);
    expect((await fs.resolveParent('/link')).resolved).toBe('/link');
    expect((await fs.resolveParent('/link/')).resolved).toBe('/etc');
    expect((await fs.resolveParent('/link/.')).resolved).toBe('/etc/.');
  });
});

describe('packResource and extractArchive', () => {
  it('names entries after the resource, or "./" for its content', async () => {
    mkdirSync(join(root, 'data/sub'), { recursive: true });
    writeFileSync(join(root, 'data/sub/f'), 'f\n');
    const fs = new ScopedFs(root);
    expect(await entries(await collect(packResource(fs, '/data') as unknown as AsyncIterable<Buffer>))).toEqual(['data/', 'data/sub/', 'data/sub/f']);
    expect(await entries(await collect(packResource(fs, '/data/.') as unknown as AsyncIterable<Buffer>))).toEqual(['./', './sub/', './sub/f']);
    expect(await entries(await collect(packResource(fs, '/data', 'renamed') as unknown as AsyncIterable<Buffer>))).toEqual(['renamed/', 'renamed/sub/', 'renamed/sub/f']);
  });

  it('writes through a symlink of the tree into the tree only', async () => {
    symlinkSync('/etc', join(root, 'hostetc'));
    symlinkSync(outside, join(root, 'abs-out'));
    const fs = new ScopedFs(root);
    await extractArchive(fs, '/', Readable.from([await tarOf([{ name: 'hostetc/dropped', body: 'in\n' }, { name: 'abs-out/secret', body: 'overwritten\n' }])]), { owner: 'none', noOverwriteDirNonDir: true });
    expect(readFileSync(join(root, 'etc/dropped'), 'utf8')).toBe('in\n');
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host\n');
    expect(readFileSync(join(root, outside, 'secret'), 'utf8')).toBe('overwritten\n');
  });

  it("follows an archive's own symlink inside the tree, never out", async () => {
    const fs = new ScopedFs(root);
    const archive = await tarOf([
      { name: 'evil', type: 'symlink', linkname: `../../../../../../../../${outside}` },
      { name: 'evil/secret', body: 'pwned\n' },
    ]);
    await extractArchive(fs, '/', Readable.from([archive]), { owner: 'none', noOverwriteDirNonDir: true });
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host\n');
    expect(readlinkSync(join(root, 'evil'))).toContain('..');
    expect(existsSync(join(root, outside, 'secret'))).toBe(true);
  });

  it('makes devices and fifos through the mknod it is given, inside the tree, and skips them without one', async () => {
    const fs = new ScopedFs(root);
    const pack = tar.pack();
    pack.entry({ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 });
    pack.entry({ name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 });
    pack.entry({ name: 'run/p', type: 'fifo', mode: 0o600 });
    pack.finalize();
    const archive = await collect(pack as unknown as AsyncIterable<Buffer>);
    const made: unknown[] = [];
    // A stand-in for mknod(2), which needs root for devices: a plain file where the node would be.
    const mknod = async (path: string, node: object) => {
      made.push({ path, ...node });
      writeFileSync(path, '');
    };
    await extractArchive(fs, '/', Readable.from([archive]), { owner: 'none', noOverwriteDirNonDir: true, mknod });
    expect(made).toEqual([
      { path: join(root, 'dev/null'), type: 'character-device', mode: 0o666, major: 1, minor: 3 },
      { path: join(root, 'dev/loop0'), type: 'block-device', mode: 0o660, major: 7, minor: 0 },
      { path: join(root, 'run/p'), type: 'fifo', mode: 0o600, major: 0, minor: 0 },
    ]);
    rmSync(join(root, 'dev'), { recursive: true });
    await extractArchive(fs, '/', Readable.from([archive]), { owner: 'none', noOverwriteDirNonDir: true });
    expect(existsSync(join(root, 'dev/null'))).toBe(false);
  });

  it('refuses entries that climb out of the directory, and a file over a directory', async () => {
    const fs = new ScopedFs(root);
    await expect(extractArchive(fs, '/etc', Readable.from([await tarOf([{ name: '../../x', body: 'x' }])]), { owner: 'none', noOverwriteDirNonDir: true })).rejects.toThrow(/outside of \/etc/);
    expect(existsSync(join(base, 'x'))).toBe(false);
    await expect(extractArchive(fs, '/', Readable.from([await tarOf([{ name: 'etc', body: 'x' }])]), { owner: 'none', noOverwriteDirNonDir: true })).rejects.toThrow(/cannot overwrite directory/);
  });

  it('refuses to write on a read-only mount', async () => {
    const volume = join(base, 'volume');
    mkdirSync(volume);
    const fs = new ScopedFs(root, [{ destination: '/ro', source: volume, readOnly: true }]);
    await expect(extractArchive(fs, '/ro', Readable.from([await tarOf([{ name: 'f', body: 'x' }])]), { owner: 'none', noOverwriteDirNonDir: true })).rejects.toThrow('mounted volume is marked read-only');
  });
});
