// docker diff: the changes of a container's writable layer against the layers
// below it, as Docker's overlay driver computes them (pkg/archive
// OverlayChanges, 20.10): a whiteout (char device 0/0) or an opaque directory
// is a deletion (D); anything else in the upper directory is an addition (A),
// or a change (C) when a lower layer has that path. A directory only there as
// the parent of a change counts when its size, mode or mtime differ, and the
// parent of every A or D is reported as C.
import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { lgetxattr } from '@ce/native';
import { lstatOrNull } from '@ce/protocol/copy';

export enum ChangeKind {
  Modify = 0,
  Add = 1,
  Delete = 2,
}

export interface Change {
  kind: ChangeKind;
  path: string;
}

export const CHANGE_LETTERS: Record<ChangeKind, string> = { [ChangeKind.Modify]: 'C', [ChangeKind.Add]: 'A', [ChangeKind.Delete]: 'D' };

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/**
 * What Docker keeps in a container's init layer, below its writable layer, so
 * that docker diff never shows them: the mount points the runtime needs. The
 * runtime creates them in ce's writable layer; they are left out here.
 */
export const INIT_LAYER_PATHS: ReadonlySet<string> = new Set([
  '/dev',
  '/proc',
  '/sys',
  '/.dockerenv',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/mtab',
]);

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

/** The changes in `upper` (the writable layer's directory) over `lowers` (topmost first), in Docker's order. */
export async function layerChanges(
  upper: string,
  lowers: readonly string[],
  hidden: ReadonlySet<string> = INIT_LAYER_PATHS,
  getxattr: (path: string, name: string) => Buffer | null = lgetxattr,
): Promise<Change[]> {
  const hiddenParents = new Set([...hidden].map((p) => posix.dirname(p)));
  const changes: Change[] = [];
  const changedDirs = new Set<string>();

  const visit = async (path: string): Promise<void> => {
    if (hidden.has(path)) return;
    const host = posix.join(upper, path);
    const st = await lstatOrNull(host);
    if (!st) return;
    const deleted = (st.isCharacterDevice() && st.rdev === 0) || (st.isDirectory() && getxattr(host, OPAQUE_XATTR)?.toString() === 'y');
    let kind = deleted ? ChangeKind.Delete : ChangeKind.Add;
    let skip = false;
    if (!deleted) {
      for (const lower of lowers) {
        const below = await statOrNull(posix.join(lower, path));
        if (!below) continue;
        if (below.isDirectory() && st.isDirectory()) {
          const same = below.size === st.size && below.mode === st.mode && below.mtimeMs === st.mtimeMs;
          // Changed only by the runtime's mount points (e.g. /etc for /etc/hosts): as unchanged as in Docker.
          const onlyHidden = hiddenParents.has(path) && (await readdir(host)).every((name) => hidden.has(posix.join(path, name)));
          skip = same || onlyHidden;
        }
        kind = ChangeKind.Modify;
        break;
      }
    }
    if (!skip) {
      if (st.isDirectory()) changedDirs.add(path);
      const parent = posix.dirname(path);
      if ((kind === ChangeKind.Add || kind === ChangeKind.Delete) && parent !== '/' && !changedDirs.has(parent)) {
        changes.push({ kind: ChangeKind.Modify, path: parent });
        changedDirs.add(parent);
      }
      changes.push({ kind, path });
    }
    if (st.isDirectory()) {
      for (const name of (await readdir(host)).sort()) await visit(posix.join(path, name));
    }
  };

  for (const name of (await readdir(upper)).sort()) await visit(`/${name}`);
  return changes;
}
