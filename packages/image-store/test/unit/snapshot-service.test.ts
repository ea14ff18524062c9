// The SnapshotService interface as OverlaySnapshotter implements it (no
// mounts are made: the mounts returned are checked, not performed).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OverlaySnapshotter } from '../../src/snapshots/overlay.js';
import type { SnapshotInfo, SnapshotService } from '../../src/snapshots/snapshot-service.js';
import { tempDir } from '../helpers/image.js';
import { rejection } from '../support/fixtures.js';

let root: { path: string; cleanup: () => Promise<void> };
let overlay: OverlaySnapshotter;
let snapshots: SnapshotService;

beforeEach(async () => {
  root = await tempDir('ce-snapshot-service-');
  overlay = await OverlaySnapshotter.open(join(root.path, 'snapshots'), { sync: false });
  snapshots = overlay;
});
afterEach(() => root.cleanup());

const keys = async (filter?: Parameters<SnapshotService['walk']>[1]) => {
  const out: SnapshotInfo[] = [];
  await snapshots.walk((i) => void out.push(i), filter);
  return out.map((i) => i.key).sort();
};

/** An active snapshot with one file, committed as `name`. */
async function layer(name: string, parent: string | undefined, file: string): Promise<void> {
  await snapshots.prepare(`${name}-active`, parent);
  await writeFile(join(overlay.fsPath(`${name}-active`), file), file);
  await snapshots.commit(name, `${name}-active`);
}

describe('SnapshotService (OverlaySnapshotter)', () => {
  it('prepares, commits, and builds on the commit; a view is read-only', async () => {
    await layer('base', undefined, 'a');
    const base = await snapshots.stat('base');
    expect(base).toMatchObject({ key: 'base', kind: 'committed', labels: {} });
    expect(await keys()).toEqual(['base']);
    expect(await snapshots.usage('base')).toEqual({ size: 1, inodes: 1 });

    const mounts = await snapshots.prepare('ctr', 'base', { owner: 'test' });
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.type).toBe('overlay');
    expect(mounts[0]!.options).toContain(`lowerdir=${overlay.fsPath('base')}`);
    expect(mounts[0]!.options).toContain(`upperdir=${overlay.fsPath('ctr')}`);

    await layer('top', 'base', 'b');
    const view = await snapshots.view('look', 'top');
    expect(view).toEqual([{ type: 'overlay', source: 'overlay', target: '', options: [`lowerdir=${overlay.fsPath('top')}:${overlay.fsPath('base')}`] }]);
    expect(await snapshots.view('look-base', 'base')).toEqual([{ type: 'bind', source: overlay.fsPath('base'), target: '', options: ['rbind', 'ro'] }]);
    expect((await snapshots.stat('look')).kind).toBe('view');
    expect(await keys({ kind: 'active' })).toEqual(['ctr']);
    expect(await keys({ parent: 'base' })).toEqual(['ctr', 'look-base', 'top']);
    expect(await keys({ labels: ['owner=test'] })).toEqual(['ctr']);

    // Reopened from disk: the commits and the view are as they were.
    const reopened = await OverlaySnapshotter.open(join(root.path, 'snapshots'), { sync: false });
    expect(reopened.list().map((s) => [s.key, s.kind, s.parent]).sort()).toEqual(
      [['base', 'committed', undefined], ['ctr', 'active', 'base'], ['look', 'view', 'top'], ['look-base', 'view', 'base'], ['top', 'committed', 'base']].sort(),
    );
  });

  it('names the missing key when asked to commit it, and refuses commits it cannot make', async () => {
    const missing = await rejection(snapshots.commit('layer', 'no-such-key'));
    expect(missing.code).toBe('NotFound');
    expect(missing.message).toBe('cannot commit snapshot no-such-key: it does not exist');
    await layer('base', undefined, 'a');
    expect((await rejection(snapshots.commit('again', 'base'))).message).toBe('cannot commit snapshot base: it is committed already, not active');
    await snapshots.view('v', 'base');
    expect((await rejection(snapshots.commit('from-view', 'v'))).message).toBe('cannot commit snapshot v: it is a view, not active');
    await snapshots.prepare('work', 'base');
    const taken = await rejection(snapshots.commit('base', 'work'));
    expect(taken.code).toBe('AlreadyExists');
    expect(taken.message).toBe('cannot commit snapshot work as base: snapshot base already exists');
    expect((await snapshots.stat('work')).kind).toBe('active');
  });

  it('refuses to remove a snapshot others are built on, naming them, and removes it once they are gone', async () => {
    await layer('base', undefined, 'a');
    await snapshots.prepare('ctr-1', 'base');
    await snapshots.view('ctr-2', 'base');
    const refused = await rejection(snapshots.remove('base'));
    expect(refused.code).toBe('FailedPrecondition');
    expect(refused.message).toBe('cannot remove snapshot base: it is the parent of ctr-1, ctr-2');
    await snapshots.remove('ctr-1');
    await snapshots.remove('ctr-2');
    await snapshots.remove('base');
    expect(await keys()).toEqual([]);
    expect((await rejection(snapshots.remove('base'))).code).toBe('NotFound');
  });

  it('updates labels, and refuses bad input with the key it was for', async () => {
    await snapshots.prepare('ctr', undefined, { a: '1', b: '2' });
    expect((await snapshots.update('ctr', { a: '', c: '3' })).labels).toEqual({ b: '2', c: '3' });
    expect((await rejection(snapshots.update('ctr', { '': 'x' }))).message).toBe('labels of snapshot ctr: a label key must not be empty');
    expect((await rejection(snapshots.prepare('', undefined))).message).toBe('a snapshot key is required');
    expect((await rejection(snapshots.prepare('ctr', undefined))).code).toBe('AlreadyExists');
    expect((await rejection(snapshots.prepare('x', 'ctr'))).message).toBe('parent snapshot ctr is active, not committed');
    expect((await rejection(snapshots.prepare('x', 'absent'))).message).toBe('parent snapshot absent does not exist');
    await mkdir(join(overlay.fsPath('ctr'), 'dir'));
    await writeFile(join(overlay.fsPath('ctr'), 'dir', 'f'), 'hello');
    expect(await snapshots.usage('ctr')).toEqual({ size: 5, inodes: 2 });
    // Committed with labels of its own: the active one's are replaced.
    expect((await snapshots.commit('layer', 'ctr', { role: 'layer' })).labels).toEqual({ role: 'layer' });
  });
});
