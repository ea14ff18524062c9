// COPY and ADD sources in a tree (the build context, or a stage's or an
// image's rootfs): Go's filepath.Match patterns, one per path segment, as
// Docker's classic builder expands them; every path resolved inside the
// tree, so that neither `..` nor a symlink leads out of it.
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { lstatOrNull, ScopedFs } from '@ce/protocol/copy';
import { BuildError } from './build-error.js';

export interface MatchedSource {
  /** The path inside the tree, resolved ("/src/app.js"). */
  path: string;
  /** Its host path. */
  host: string;
  isDir: boolean;
  /** Downloaded by ADD from a URL: copied as it is, never unpacked. */
  remote?: boolean;
}

const WILDCARD = /[*?[]/;

/** Go's filepath.Match for one segment, as a regular expression. */
function segmentPattern(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) throw new BuildError(`syntax error in pattern: ${segment}`);
      let body = segment.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The paths `source` names in `tree`. A source that climbs above the
 * tree's root is refused as Docker refuses it; none found is Docker's
 * "file not found in build context".
 */
export async function matchSources(tree: ScopedFs, source: string, what: { inContext: boolean }): Promise<MatchedSource[]> {
  const cleaned = posix.normalize(source);
  if (what.inContext && (cleaned === '..' || cleaned.startsWith('../'))) {
    throw new BuildError(`forbidden path outside the build context: ${source} ()`);
  }
  const segments = posix.normalize(`/${source}`).split('/').filter((s) => s && s !== '.');
  let current = ['/'];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of current) {
      if (!WILDCARD.test(segment)) {
        next.push(posix.join(dir, segment));
        continue;
      }
      const pattern = segmentPattern(segment);
      const resolvedDir = await tree.resolve(dir);
      const names = await readdir(tree.hostPath(resolvedDir)).catch(() => [] as string[]);
      for (const name of names.sort()) if (pattern.test(name)) next.push(posix.join(dir, name));
    }
    current = next;
  }
  const found: MatchedSource[] = [];
  for (const path of current) {
    const resolved = await tree.resolve(path);
    const st = await lstatOrNull(tree.hostPath(resolved));
    if (st) found.push({ path: resolved, host: tree.hostPath(resolved), isDir: st.isDirectory() });
  }
  if (found.length === 0) {
    const where = what.inContext ? 'file not found in build context or excluded by .dockerignore' : 'file not found';
    throw new BuildError(`${where}: stat ${source}: file does not exist`);
  }
  return found;
}
