import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLine, progressBar, ProgressPrinter } from '../../src/progress.js';

const capture = () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
};

describe('pull and push progress', () => {
  it("draws Docker's 50-column bar with human sizes", () => {
    // As docker's jsonmessage: the bar, a space, the current size right-aligned in 8 columns.
    expect(progressBar(0, 1000)).toBe(`[>${' '.repeat(49)}]       0B/1kB`);
    expect(progressBar(500_000, 1_000_000)).toBe(`[${'='.repeat(25)}>${' '.repeat(24)}]    500kB/1MB`);
    expect(progressBar(1_000_000, 1_000_000)).toBe(`[${'='.repeat(50)}]      1MB/1MB`);
    expect(formatLine({ id: 'abc', status: 'Pull complete' }, true)).toBe('abc: Pull complete');
  });

  it('prints one line per status change when not a terminal', () => {
    const c = capture();
    const p = new ProgressPrinter(c.out, false);
    p.update({ id: 'aaa', status: 'Pulling fs layer' });
    p.update({ id: 'aaa', status: 'Downloading', current: 1, total: 10 });
    p.update({ id: 'aaa', status: 'Downloading', current: 5, total: 10 });
    p.update({ id: 'aaa', status: 'Pull complete' });
    expect(c.text()).toBe('aaa: Pulling fs layer\naaa: Downloading\naaa: Pull complete\n');
  });

  it("rewrites a layer's own line in place on a terminal", () => {
    const c = capture();
    const p = new ProgressPrinter(c.out, true);
    p.update({ id: 'aaa', status: 'Pulling fs layer' });
    p.update({ id: 'bbb', status: 'Pulling fs layer' });
    p.update({ id: 'aaa', status: 'Pull complete' });
    expect(c.text()).toBe('aaa: Pulling fs layer\nbbb: Pulling fs layer\n\x1b[2A\r\x1b[2Kaaa: Pull complete\r\x1b[2B');
  });
});
