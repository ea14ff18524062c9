import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBusyboxImage } from './support/busybox-image.js';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder } from './support/leaks.js';
import { fillDisk } from '../tools/test/tiny-disk.js';
import { until } from './support/until.js';

/** The log's lines parsed, or undefined while its end is a torn line (a write in progress or, before the fix, for good). */
function wholeLines(path: string): { log: string }[] | undefined {
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) return undefined;
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as { log: string });
}

const seq = (e: { log: string }) => Number(/^line (\d+)/.exec(e.log)?.[1]);

/** CPU time (ms) a process used so far, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The share of one core a process used over a measuring window of about a second. */
async function cpuShare(pid: number): Promise<number> {
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  await sleep(1000); // a measuring window, not a wait for a condition
  return (cpuMs(pid) - cpu0) / (Date.now() - t0);
}

/**
 * The process that writes the container's log: the parent of the container's first process, its
 * ce-shim (started spare, under another id) or, in host mode, its ce-monitor.
 */
function logWriterOf(commandPart: string, writer: 'ce-shim' | 'ce-monitor'): number {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(commandPart)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes(writer)) return ppid;
    } catch {
      // exited
    }
  }
  throw new Error(`no ${writer} is the parent of a process running ${commandPart}`);
}

// In host mode a ce-monitor writes the log, in per-container mode the shim's own writer: ced logs the same warnings.
describe.skipIf(process.getuid?.() !== 0).each(['per-container', 'host'] as const)('a container log on a full disk, --shim-mode %s (needs root)', (mode) => {
  // `ce logs` does not exist yet: the test reads the json-file log directly.
  let daemon: TestDaemon;
  let containersDir = '';
  let mounted = false;
  const run = (args: string[]) => ce(args, { socket: daemon.socket });

  beforeAll(async () => {
    daemon = await startTestDaemon(['--shim-mode', mode]);
    await importBusyboxImage(daemon.socket);
    // The containers' folders (records and json logs) on a tiny disk of their own.
    await daemon.stop();
    containersDir = join(daemon.root, 'containers');
    mkdirSync(containersDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m,mode=0700', 'tmpfs', containersDir]);
    mounted = true;
    await daemon.restart();
  });

  afterAll(async () => {
    if (!daemon) return;
    if (daemon.process.exitCode === null && daemon.process.signalCode === null) {
      const ids = (await run(['ps', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await run(['rm', '-f', ...ids]);
      await daemon.stop();
    }
    if (mounted) execFileSync('umount', [containersDir]);
    await daemon.dispose();
    expect(mountsUnder(daemon.dir)).toEqual([]);
  });

  it('keeps whole lines, warns in ced.log, does not spin, and logs again once space is freed', async () => {
    // A fast producer: bursts of 200 lines, ~20k lines/s.
    const producer = 'BEGIN { for (i = 0; ; i++) { print "line " i; if (i % 200 == 199) { fflush(); system("usleep 5000") } } }';
    const started = await run(['run', '-d', 'busybox', 'awk', producer]);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const logPath = join(containersDir, id, `${id}-json.log`);
    const ballast = join(containersDir, id, 'ballast');

    await until('the first lines in the log', () => existsSync(logPath) && (wholeLines(logPath)?.length ?? 0) > 1000);
    const writerName = mode === 'host' ? 'ce-monitor' : 'ce-shim';
    const writer = logWriterOf('BEGIN { for', writerName); // (busybox awk rewrites its program text in its argv)
    const healthy = await cpuShare(writer);
    fillDisk(ballast);
    const full = await cpuShare(writer);
    console.log(`${writerName} CPU (share of one core over ~1 s): ${(100 * healthy).toFixed(1)}% while logging, ${(100 * full).toFixed(1)}% with the log's disk full`);
    expect(full).toBeLessThan(0.5);

    const whileFull = await until('a log of whole lines while the disk is full', () => wholeLines(logPath));
    const lastBeforeFree = seq(whileFull.at(-1)!);

    const warned = await until('a log-write-failed warning in ced.log', () => daemon.log().split('\n').find((l) => l.includes('log-write-failed')));
    expect(warned).toContain('no space left on device');
    expect(warned).toContain(logPath);
    expect(warned).toContain(id);

    unlinkSync(ballast);
    const after = await until('new lines once space is freed', () => {
      const lines = wholeLines(logPath);
      return lines && seq(lines.at(-1)!) > lastBeforeFree + 10_000 && lines;
    });
    const resumed = await until('a log-write-resumed warning in ced.log', () => daemon.log().split('\n').find((l) => l.includes('log-write-resumed')));
    expect(resumed).toContain(`the container log ${logPath} is written again`);

    const removed = await run(['rm', '-f', id]);
    expect(removed.code, removed.stderr).toBe(0);
    const numbers = after.map(seq);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
    console.log(`log: ${after.length} lines, last before freeing space ${lastBeforeFree}, last after ${numbers.at(-1)}`);
  });
});
