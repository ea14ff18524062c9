import { existsSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Hierarchy } from './types.js';

/**
 * Host directory of `cgroupsPath` in one hierarchy: an absolute path is
 * relative to the hierarchy's root, a relative one to this process's own
 * cgroup there (runc's rule).
 */
export function hierarchyPath(h: Hierarchy, own: string | undefined, cgroupsPath: string): string {
  const inner = cgroupsPath.startsWith('/') ? posix.normalize(cgroupsPath) : posix.join(own ?? '/', cgroupsPath);
  // The mount shows the cgroup at h.root as its top directory.
  let rel = inner;
  if (h.root !== '/' && (inner === h.root || inner.startsWith(`${h.root}/`))) rel = inner.slice(h.root.length) || '/';
  return join(h.mountpoint, rel);
}

/**
 * Writes one cgroup file. Synchronously: cgroupfs lives in memory and answers
 * in microseconds, while a trip through libuv's thread pool costs far more; a
 * container's create writes some 50 of them (docs/decisions/0048).
 */
export async function writeValue(dir: string, file: string, value: string | number): Promise<void> {
  try {
    writeFileSync(join(dir, file), String(value));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`write ${value} to ${join(dir, file)}: ${e.message}`), { errno: e.errno, cause: err });
  }
}

export async function readPids(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((s) => Number(s));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** rmdir, retrying EBUSY while exiting processes leave; a missing dir is fine. */
export async function removeCgroupDir(dir: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw err;
    }
    await sleep(delay);
  }
}

export function anyExists(paths: Iterable<string>): boolean {
  for (const p of paths) if (existsSync(p)) return true;
  return false;
}

/** The chain of directories from `top` (exclusive) down to `dir` (inclusive). */
export function chainBelow(top: string, dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  while (d.length > top.length && d.startsWith(top)) {
    out.unshift(d);
    d = posix.dirname(d);
  }
  return out;
}

/**
 * After a container's cgroup is removed, removes the ancestors that are left
 * empty (the shared "/ce" parent), up to but not including the hierarchy's
 * mount point. An ancestor still in use (ENOTEMPTY/EBUSY) ends the walk.
 */
export async function pruneEmptyAncestors(dir: string, mountpoint: string): Promise<void> {
  for (let d = posix.dirname(dir); d.startsWith(`${mountpoint}/`); d = posix.dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
  }
}

/**
 * Creating a cgroup races with another container's delete pruning the shared
 * parent (see pruneEmptyAncestors): a vanished parent (ENOENT) is created again.
 */
export async function retryIfParentVanished<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

/** A cgroup file's content, trimmed; undefined when the file is missing or unreadable (a controller not mounted). */
export async function readText(dir: string | undefined, file: string): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    return (await readFile(join(dir, file), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** A cgroup file holding one number; "max" reads as `max`, a missing file as undefined. */
export async function readNumber(dir: string | undefined, file: string, max?: number): Promise<number | undefined> {
  const text = await readText(dir, file);
  if (text === undefined || text === '') return undefined;
  if (text === 'max') return max;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, freezer-like files) as a map. */
export function parseFlatKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}

/** Page sizes with a hugetlb file in `dir`, e.g. ["2MB", "1GB"], from names like hugetlb.2MB.limit_in_bytes. */
export async function hugePageSizes(dir: string | undefined, suffix: string): Promise<string[]> {
  if (!dir) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => new RegExp(`^hugetlb\\.([0-9]+[KMG]B)\\.${suffix.replace('.', '\\.')}$`).exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}
