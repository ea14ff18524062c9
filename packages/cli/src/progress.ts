import type { Writable } from 'node:stream';
import { humanSize } from './humanize.js';

export interface LayerProgress {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

const BAR_WIDTH = 50;

/** Docker's progress bar: `[=====>      ]  1.2MB/3.4MB`. */
export function progressBar(current: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)) : 0;
  const arrow = filled < BAR_WIDTH ? '>' : '';
  const bar = `[${'='.repeat(filled)}${arrow}${' '.repeat(BAR_WIDTH - filled - arrow.length)}]`;
  return `${bar} ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** One layer's line as `docker pull` shows it. */
export function formatLine(p: LayerProgress, withBar: boolean): string {
  const bar = withBar && p.total && p.current !== undefined ? ` ${progressBar(p.current, p.total)}` : '';
  return `${p.id}: ${p.status}${bar}`;
}

/**
 * Prints per-layer progress as the docker CLI does. On a terminal each layer
 * has one line, rewritten in place (cursor up, clear line) with a bar while
 * bytes move; otherwise one line is printed per status change, with no bars.
 */
export class ProgressPrinter {
  private readonly lines: string[] = [];
  private readonly last = new Map<string, string>();

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
  ) {}

  update(p: LayerProgress): void {
    if (!p.id) {
      this.out.write(`${p.status}\n`);
      return;
    }
    if (!this.tty) {
      if (this.last.get(p.id) === p.status) return;
      this.last.set(p.id, p.status);
      this.out.write(`${formatLine(p, false)}\n`);
      return;
    }
    let index = this.lines.indexOf(p.id);
    if (index < 0) {
      this.lines.push(p.id);
      this.out.write(`${formatLine(p, true)}\n`);
      return;
    }
    const up = this.lines.length - index;
    // Up to the layer's line, clear it, write, then back down to below the last line.
    this.out.write(`\x1b[${up}A\r\x1b[2K${formatLine(p, true)}\r\x1b[${up}B`);
  }
}
