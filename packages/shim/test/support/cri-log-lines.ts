import { existsSync, readFileSync } from 'node:fs';

/** The numbers a counting container wrote to a CRI log, each a whole stdout line; none while the file does not exist. */
export function criCounts(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const m = /^\S+ stdout F (\d+)$/.exec(line);
      if (!m) throw new Error(`not a whole stdout CRI line: ${JSON.stringify(line)}`);
      return Number(m[1]);
    });
}
