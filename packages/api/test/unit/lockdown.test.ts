import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDownFolders } from '../../src/lockdown.js';

const mode = (path: string) => statSync(path).mode & 0o7777;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ce-lockdown-'));
  dirs.push(d);
  return d;
}

describe('lockDownFolders', () => {
  it('creates root and state with every content folder owner-only, the socket folder 0711', async () => {
    const base = tempDir();
    const [root, state] = [join(base, 'root'), join(base, 'state')];
    expect(await lockDownFolders({ root, state, socket: join(state, 'ce.sock') })).toEqual([]);
    expect(mode(root)).toBe(0o700);
    expect(mode(state)).toBe(0o711);
    for (const d of ['image-store', 'containers']) expect(mode(join(root, d))).toBe(0o700);
    for (const d of ['tasks', 'runtime', 'shims']) expect(mode(join(state, d))).toBe(0o700);
  });

  it('repairs an open root reached through a symlink and the folders on the way to the socket, but no folder it did not make', async () => {
    const base = tempDir();
    const real = join(base, 'real-root');
    mkdirSync(join(real, 'image-store', 'snapshots'), { recursive: true });
    mkdirSync(join(real, 'containers'));
    chmodSync(real, 0o755);
    chmodSync(join(real, 'image-store'), 0o755);
    const root = join(base, 'root-link');
    symlinkSync(real, root);
    const state = join(base, 'state');
    mkdirSync(join(state, 'sockets', 'extra'), { recursive: true, mode: 0o755 });
    mkdirSync(join(state, 'tasks'), { mode: 0o755 });
    const outside = join(base, 'outside');
    mkdirSync(outside, { mode: 0o755 });
    chmodSync(outside, 0o755);
    symlinkSync(outside, join(state, 'sockets', 'link'));

    const repaired = await lockDownFolders({ root, state, socket: join(state, 'sockets', 'ce.sock') });
    expect(repaired.map((r) => r.path).sort()).toEqual(
      [real, join(real, 'image-store'), join(real, 'containers'), state, join(state, 'sockets'), join(state, 'tasks')].sort(),
    );
    expect(repaired.find((r) => r.path === real)).toMatchObject({ from: 0o755, to: 0o700 });
    expect(mode(real)).toBe(0o700);
    expect(mode(join(real, 'image-store'))).toBe(0o700);
    expect(mode(state)).toBe(0o711);
    expect(mode(join(state, 'sockets'))).toBe(0o711);
    expect(mode(join(state, 'sockets', 'extra'))).toBe(0o755);
    expect(mode(outside)).toBe(0o755);
    expect(await lockDownFolders({ root, state, socket: join(state, 'sockets', 'ce.sock') })).toEqual([]);
  });

  it('refuses a shared folder such as /tmp as root or state, changing nothing', async () => {
    const base = tempDir();
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    await expect(lockDownFolders({ root: join(base, 'root'), state: shared, socket: join(shared, 'ce.sock') })).rejects.toThrow(
      `--state ${shared} is a shared folder (mode 1777): give ced a folder of its own`,
    );
    expect(mode(shared)).toBe(0o1777);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(lockDownFolders({ root: open, state: join(base, 'state'), socket: join(base, 'state', 'ce.sock') })).rejects.toThrow('--root');
    expect(mode(open)).toBe(0o777);
  });
});
