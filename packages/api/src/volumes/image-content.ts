import { lstatOrNull } from '../containers/rootfs-files.js';
// Fills an empty volume with what the image has at the volume's path, as
// Docker does on a container's create: read through the container's layers
// (overlayfs's rules: the topmost layer wins, whiteouts and opaque folders
// hide what is below), never through a symlink, owners, modes and times kept.
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { lgetxattr } from '@ce/native';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * The layer folders (topmost first) that make up the directory at `relPath`,
 * down to the first opaque one; empty when the merged view has no directory
 * there (absent, hidden, a file, or reached through a symlink).
 */
export async function mergedDirLayers(layers: readonly string[], relPath: string): Promise<string[]> {
  const parts = relPath.split('/').filter(Boolean);
  // Walk down the merged tree one name at a time, keeping the layers that still contribute.
  let current = [...layers];
  for (const name of parts) {
    const next: string[] = [];
    for (const dir of current) {
      const st = await lstatOrNull(join(dir, name));
      if (!st) continue;
      if (!st.isDirectory()) {
        if (next.length === 0) return []; // the topmost entry is a file, a symlink or a whiteout
        break;
      }
      next.push(join(dir, name));
      if (lgetxattr(join(dir, name), OPAQUE_XATTR)?.toString() === 'y') break;
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

/** What the image has at `relPath`: a directory, a file (Docker refuses a volume there), or nothing. */
export async function imagePathKind(layers: readonly string[], relPath: string): Promise<'dir' | 'file' | 'none'> {
  if ((await mergedDirLayers(layers, relPath)).length > 0) return 'dir';
  const parts = relPath.split('/').filter(Boolean);
  const parent = await mergedDirLayers(layers, parts.slice(0, -1).join('/'));
  for (const dir of parent) {
    const st = await lstatOrNull(join(dir, parts[parts.length - 1] ?? ''));
    if (!st) continue;
    return isWhiteout(st) ? 'none' : st.isDirectory() ? 'dir' : 'file';
  }
  return 'none';
}

async function copyAttributes(target: string, st: Stats): Promise<void> {
  await lchown(target, st.uid, st.gid);
  if (!st.isSymbolicLink()) await chmod(target, st.mode & 0o7777);
  await lutimes(target, st.atime, st.mtime);
}

/** Copies the merged directory made of `dirs` (topmost first) into `target`, which exists. */
async function copyMerged(dirs: readonly string[], target: string): Promise<void> {
  const seen = new Set<string>();
  for (const [i, dir] of dirs.entries()) {
    for (const name of await readdir(dir)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const source = join(dir, name);
      const st = await lstat(source);
      if (isWhiteout(st)) continue;
      const to = join(target, name);
      if (st.isDirectory()) {
        // The same directory may be in lower layers too, down to an opaque one.
        const below = [source];
        if (lgetxattr(source, OPAQUE_XATTR)?.toString() !== 'y') {
          for (const lower of dirs.slice(i + 1)) {
            const l = await lstatOrNull(join(lower, name));
            if (!l) continue;
            if (!l.isDirectory()) break;
            below.push(join(lower, name));
            if (lgetxattr(join(lower, name), OPAQUE_XATTR)?.toString() === 'y') break;
          }
        }
        await mkdir(to);
        await copyMerged(below, to);
        await copyAttributes(to, st);
      } else if (st.isSymbolicLink()) {
        await symlink(await readlink(source), to);
        await copyAttributes(to, st);
      } else if (st.isFile()) {
        await copyFile(source, to);
        await copyAttributes(to, st);
      }
      // devices, fifos and sockets in a volume path are not copied
    }
  }
}

/**
 * Copies the image's content at `relPath` into `target` (an empty volume)
 * and gives `target` the owner and mode of the image's directory. Returns
 * false when the image has no directory there (nothing is changed then).
 */
export async function copyImageContent(layers: readonly string[], relPath: string, target: string): Promise<boolean> {
  const dirs = await mergedDirLayers(layers, relPath);
  if (dirs.length === 0) return false;
  await copyMerged(dirs, target);
  const st = await lstat(dirs[0]!);
  await lchown(target, st.uid, st.gid);
  await chmod(target, st.mode & 0o7777);
  return true;
}
