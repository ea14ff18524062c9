import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANGE_LETTERS, layerChanges, type Change } from '../../src/containers/container-changes.js';

let base: string;
let lower: string;
let upper: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'ce-changes-'));
  lower = join(base, 'lower');
  upper = join(base, 'upper');
  mkdirSync(join(lower, 'etc'), { recursive: true });
  mkdirSync(join(lower, 'opaque'), { recursive: true });
  writeFileSync(join(lower, 'etc/group'), 'root:x:0:\n');
  mkdirSync(upper);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const lines = (changes: Change[]) => changes.map((c) => `${CHANGE_LETTERS[c.kind]} ${c.path}`);
const noXattrs = () => null;

describe('layerChanges', () => {
  it('reports additions, changes, and the parent of an addition as changed', async () => {
    mkdirSync(join(upper, 'etc'));
    writeFileSync(join(upper, 'etc/group'), 'root:x:0:\nx\n');
    writeFileSync(join(upper, 'etc/new'), 'n\n');
    mkdirSync(join(upper, 'added/deeper'), { recursive: true });
    utimesSync(join(lower, 'etc'), new Date(0), new Date(0));
    expect(lines(await layerChanges(upper, [lower], new Set(), noXattrs))).toEqual(['A /added', 'A /added/deeper', 'C /etc', 'C /etc/group', 'A /etc/new']);
  });

  it('reports an opaque directory as deleted (Docker 20.10) and what it holds as added', async () => {
    mkdirSync(join(upper, 'opaque'));
    writeFileSync(join(upper, 'opaque/f'), '');
    const opaque = (path: string) => (path.endsWith('/opaque') ? Buffer.from('y') : null);
    expect(lines(await layerChanges(upper, [lower], new Set(), opaque))).toEqual(['D /opaque', 'A /opaque/f']);
  });

  it('lists a change below an unchanged directory after it, with the directory as the parent of an addition (Docker\'s order)', async () => {
    mkdirSync(join(upper, 'etc'));
    writeFileSync(join(upper, 'etc/group'), 'x\n');
    writeFileSync(join(upper, 'etc/new'), '');
    const stamp = new Date(1_000_000);
    utimesSync(join(lower, 'etc'), stamp, stamp);
    utimesSync(join(upper, 'etc'), stamp, stamp);
    expect(lines(await layerChanges(upper, [lower], new Set(), noXattrs))).toEqual(['C /etc/group', 'C /etc', 'A /etc/new']);
  });

  it("leaves out the runtime's mount points, and a directory changed only by them", async () => {
    mkdirSync(join(upper, 'etc'));
    writeFileSync(join(upper, 'etc/hosts'), '');
    mkdirSync(join(upper, 'proc'));
    utimesSync(join(upper, 'etc'), new Date(0), new Date(0));
    expect(lines(await layerChanges(upper, [lower], new Set(['/etc/hosts', '/proc']), noXattrs))).toEqual([]);
  });
});
