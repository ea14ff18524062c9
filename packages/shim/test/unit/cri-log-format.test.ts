import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerLog, MAX_ENTRY_BYTES } from '../../src/io/container-log.js';
import { criFormat } from '../../src/io/log-entry-format.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z) (stdout|stderr) ([PF]) (.*)$/;

function parse(text: string) {
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const m = CRI_LINE.exec(line);
      if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
      return { time: m[1]!, stream: m[3]!, tag: m[4]!, content: m[5]! };
    });
}

describe("the cri log format (the kubelet's)", () => {
  it('encodes a whole line as F, a piece as P, and a stream\'s unfinished last piece as F; the time as Go\'s RFC3339Nano', () => {
    const t = new Date('2026-12-07T12:00:00.120Z');
    expect(criFormat.encode('hello\n', 'stdout', t).toString()).toBe('2026-12-07T12:00:00.12Z stdout F hello\n');
    expect(criFormat.encode('piece', 'stderr', new Date('2026-12-07T12:00:00.000Z')).toString()).toBe('2026-12-07T12:00:00Z stderr P piece\n');
    expect(criFormat.encode('tail', 'stdout', t, true).toString()).toBe('2026-12-07T12:00:00.12Z stdout F tail\n');
  });

  it('splits a line longer than 16 KiB into P pieces ending with F, and reopens at its path after a rename', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-shim-cri-log-'));
    dirs.push(dir);
    const path = join(dir, '0.log');
    const log = new ContainerLog(path, { format: criFormat });
    log.write('stdout', Buffer.from(`${'x'.repeat(MAX_ENTRY_BYTES + 10)}\n`));
    log.write('stderr', Buffer.from('oops\nno newline'));
    await log.reopen();
    renameSync(path, `${path}.1`);
    await log.reopen();
    log.write('stdout', Buffer.from('after\n'));
    await log.close();
    const before = parse(readFileSync(`${path}.1`, 'utf8'));
    expect(before.map((e) => [e.stream, e.tag, e.content.length])).toEqual([
      ['stdout', 'P', MAX_ENTRY_BYTES],
      ['stdout', 'F', 10],
      ['stderr', 'F', 4],
    ]);
    const after = parse(readFileSync(path, 'utf8'));
    expect(after.map((e) => [e.stream, e.tag, e.content])).toEqual([
      ['stdout', 'F', 'after'],
      ['stderr', 'F', 'no newline'],
    ]);
    expect(Date.parse(after[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
  });
});
