import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFileWriter, type LogWriteProblem } from '../../src/io/log-file-writer.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-writer-'));
  dirs.push(dir);
  return join(dir, 'c-json.log');
}

describe('log file writer', () => {
  it('cuts a torn last line an earlier writer left behind before appending', async () => {
    const path = tempFile();
    writeFileSync(path, '{"log":"a\\n"}\n{"log":"b\\n"}\n{"log":"tor');
    const writer = new LogFileWriter(path);
    writer.append(Buffer.from('{"log":"c\\n"}\n'));
    await writer.close();
    expect(readFileSync(path, 'utf8')).toBe('{"log":"a\\n"}\n{"log":"b\\n"}\n{"log":"c\\n"}\n');
  });

  it('empties a file that holds only a torn line', async () => {
    const path = tempFile();
    writeFileSync(path, 'x'.repeat(100_000));
    await new LogFileWriter(path).close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('writes many queued lines in order, and asks the producer to pause while it is behind', async () => {
    const path = tempFile();
    const pressure: boolean[] = [];
    const writer = new LogFileWriter(path, { highWaterBytes: 1000, onPressure: (behind) => pressure.push(behind) });
    for (let i = 0; i < 1000; i++) writer.append(Buffer.from(`${i}\n`));
    await writer.close();
    expect(readFileSync(path, 'utf8')).toBe(Array.from({ length: 1000 }, (_, i) => `${i}\n`).join(''));
    expect(pressure[0]).toBe(true);
    expect(pressure.at(-1)).toBe(false);
  });

  it('reports a failed write with its errno and counts what it dropped (/dev/full always says ENOSPC)', async () => {
    const problems: LogWriteProblem[] = [];
    const writer = new LogFileWriter('/dev/full', { retryMs: 5, reportMs: 0, onProblem: (p) => problems.push(p) });
    for (let i = 0; i < 3; i++) writer.append(Buffer.from(`line ${i}\n`));
    for (let i = 0; i < 200 && problems.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await writer.close();
    expect(problems[0]).toMatchObject({ kind: 'log-write-failed', code: 'ENOSPC' });
    const dropped = problems.reduce((n, p) => n + p.droppedLines, 0);
    expect(dropped).toBe(3);
  });
});

