import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lgetxattr } from '@ce/native';

interface RootfsMount {
  type: string;
  source: string;
  options: string[];
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** The directories of a container's rootfs, topmost first: overlay's upper then its lowers, or a bind mount's source. */
export function layerDirs(mounts: readonly RootfsMount[]): string[] {
  const m = mounts[0];
  if (!m) return [];
  if (m.type === 'bind') return [m.source];
  const option = (name: string) => m.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
  return [option('upperdir'), ...(option('lowerdir')?.split(':') ?? [])].filter((d): d is string => !!d);
}

/** lstat, or null when the path (or a folder on it) does not exist. */
export async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * A small file of the rootfs (e.g. etc/passwd) read from its layers without
 * mounting them, as overlayfs would show it: the topmost layer that has the
 * path wins, a whiteout or an opaque directory hides the layers below. A
 * symlink on the way counts as absent: following it here could leave the
 * rootfs, and the files read this way have safe defaults when missing.
 */
export async function readRootfsFile(mounts: readonly RootfsMount[], relPath: string): Promise<string | null> {
  const parts = relPath.split('/').filter(Boolean);
  for (const layer of layerDirs(mounts)) {
    let dir = layer;
    for (let i = 0; i < parts.length; i++) {
      const path = join(dir, parts[i]!);
      const st = await lstatOrNull(path);
      const last = i === parts.length - 1;
      if (st?.isCharacterDevice() && st.rdev === 0) return null; // whiteout
      if (!st) {
        if (i > 0 && lgetxattr(dir, OPAQUE_XATTR)?.toString() === 'y') return null;
        break; // not in this layer: look below
      }
      if (st.isSymbolicLink()) return null;
      if (last) return st.isFile() ? readFile(path, 'utf8') : null;
      if (!st.isDirectory()) return null;
      dir = path;
    }
  }
  return null;
}
