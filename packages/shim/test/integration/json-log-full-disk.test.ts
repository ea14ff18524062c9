import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerLog } from '../../src/io/container-log.js';
import { fillDisk, tinyDisk as tinyTmpfs } from '../../../../tools/test/tiny-disk.js';
import type { LogWriteProblem } from '../../src/io/log-file-writer.js';

const isRoot = process.getuid?.() === 0;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

/** A folder on its own tiny tmpfs, unmounted and removed after the test. */
function tinyDisk(size: string): string {
  const disk = tinyTmpfs(size);
  cleanups.push(disk.remove);
  return disk.dir;
}

/**
 * Every line of a json-file log, parsed; throws on a torn or otherwise
 * unparsable line. While a write is failing a reader may see a torn line for
 * the moment between the short write and the truncation, so tests poll for a
 * whole-line state (the old writer left the torn line for good).
 */
function entries(path: string): { log: string; stream: string; time: string }[] {
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`the log ends in a torn line: ${JSON.stringify(text.slice(-80))}`);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as { log: string; stream: string; time: string });
}

function wholeEntries(path: string): ReturnType<typeof entries> | undefined {
  try {
    return entries(path);
  } catch {
    return undefined;
  }
}

const seq = (e: { log: string }) => Number(/^line (\d+) /.exec(e.log)?.[1]);

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The CPU this process used (user + system, in clock ticks) from /proc/self/stat. */
function cpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe.skipIf(!isRoot)('json-file log on a full disk (needs root for the tmpfs)', () => {
  it('never leaves a torn line, reports and drops while the disk is full, does not spin, and resumes when space returns', async () => {
    const disk = tinyDisk('4m');
    const path = join(disk, 'c-json.log');
    const ballast = join(disk, 'ballast');
    const problems: LogWriteProblem[] = [];
    const log = new ContainerLog(path, { onProblem: (p) => problems.push(p) });
    cleanups.push(() => log.close());

    // A fast producer: 40 lines of ~100 bytes every 2 ms, in chunks that cut lines in two.
    let next = 0;
    let ticks = 0;
    const producer = setInterval(() => {
      let text = '';
      for (let i = 0; i < 40; i++) text += `line ${next++} ${'x'.repeat(90)}\n`;
      const cut = 37;
      log.write('stdout', Buffer.from(text.slice(0, cut)));
      log.write('stdout', Buffer.from(text.slice(cut)));
      ticks++;
    }, 2);
    cleanups.push(() => clearInterval(producer));

    await until('the first lines in the log', () => existsSync(path) && (wholeEntries(path)?.length ?? 0) > 100);
    fillDisk(ballast);
    // While the disk stays full: measure this process's CPU over ~600 producer ticks (long enough for retries).
    const filledAt = Date.now();
    const cpu0 = cpuTicks();
    const usage0 = process.cpuUsage();
    const ticks0 = ticks;
    await until('600 more producer ticks', () => ticks >= ticks0 + 600);
    const windowMs = Date.now() - filledAt;
    const usage = process.cpuUsage(usage0);
    const cpuShare = (usage.user + usage.system) / 1000 / windowMs;
    console.log(
      `full disk: ${windowMs} ms window, cpu ${((cpuTicks() - cpu0) * 10).toFixed(0)} ms by /proc/self/stat, ` +
        `${((usage.user + usage.system) / 1000).toFixed(0)} ms by process.cpuUsage = ${(cpuShare * 100).toFixed(1)}% of one core ` +
        `(producer included: ${ticks - ticks0} ticks of 40 lines)`,
    );
    const whileFull = await until('a log of whole lines while the disk is full', () => wholeEntries(path));
    const lastBeforeFree = seq(whileFull.at(-1)!);
    const failed = await until('a log-write-failed report', () => problems.find((p) => p.kind === 'log-write-failed'));
    expect(failed.code).toBe('ENOSPC');
    expect(failed.message).toContain('no space left on device');
    expect(failed.message).toContain(path);

    expect(cpuShare).toBeLessThan(0.9);

    unlinkSync(ballast);
    const producedAtFree = next;
    await until('new lines after space was freed', () => {
      const now = wholeEntries(path);
      return now && seq(now.at(-1)!) >= producedAtFree && now;
    });
    // Stop before this producer fills the freed space again (~3 MB/s), so that the next report tells of the recovery.
    clearInterval(producer);
    const resumed = await until('a log-write-resumed report', () => problems.find((p) => p.kind === 'log-write-resumed'));
    const fullForMs = Date.now() - filledAt;
    await log.close();

    const all = entries(path);
    const numbers = all.map(seq);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
    expect(numbers.at(-1)).toBe(next - 1);
    const dropped = problems.reduce((n, p) => n + p.droppedLines, 0);
    const missing = next - all.length;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBe(missing);
    expect(resumed.message).toContain('written again');
    // Reports are rate-limited to one per 5 s (plus the first).
    expect(problems.length).toBeLessThanOrEqual(Math.ceil(fullForMs / 5000) + 2);
    console.log(
      `${next} lines produced, ${all.length} written, ${dropped} reported dropped; last line before freeing space ${lastBeforeFree}; ` +
        `${problems.length} reports in ${fullForMs} ms`,
    );
  });

  it('reports the failure and the recovery each at once when no report came within the interval', async () => {
    const disk = tinyDisk('1m');
    const path = join(disk, 'c-json.log');
    const ballast = join(disk, 'ballast');
    const problems: LogWriteProblem[] = [];
    const log = new ContainerLog(path, { onProblem: (p) => problems.push(p), retryMs: 50, reportMs: 0 });
    cleanups.push(() => log.close());
    fillDisk(ballast);
    // Lines until one fails: the last page of the log may still have room.
    for (let i = 0; problems.length === 0; i++) {
      log.write('stdout', Buffer.from(`line ${i} ${'y'.repeat(200)}\n`));
      await until(`line ${i} written or refused`, () => problems.length > 0 || (wholeEntries(path)?.length ?? 0) > i);
    }
    expect(problems.map((p) => p.kind)).toEqual(['log-write-failed']);
    unlinkSync(ballast);
    log.write('stdout', Buffer.from('after\n'));
    await until('a log-write-resumed report', () => problems.length > 1);
    expect(problems.map((p) => p.kind)).toEqual(['log-write-failed', 'log-write-resumed']);
    await log.close();
    expect(entries(path).at(-1)!.log).toBe('after\n');
  });
});
