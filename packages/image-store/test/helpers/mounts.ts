import { readFileSync } from 'node:fs';
import { MNT_DETACH, umount2 } from '@ce/native';

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything below `dir`; used in afterEach so a failing test leaves nothing mounted. */
export function unmountAllUnder(dir: string): void {
  for (const point of mountsUnder(dir)) {
    try {
      umount2(point, MNT_DETACH);
    } catch {
      // already gone
    }
  }
}

export const isRoot = process.getuid?.() === 0;
