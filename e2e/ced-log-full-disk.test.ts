import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ce } from './support/ce.js';
import { startTestDaemon, type TestDaemon } from './support/daemon.js';
import { mountsUnder } from './support/leaks.js';

// ced's own --log-file on a disk that is full from the start: ced must still
// listen and run containers, resume logging when space returns, and exit.
const disk = join('/tmp', `ce-e2e-ced-log-disk-${process.pid}`);
const ballast = join(disk, 'ballast');
let daemon: TestDaemon | undefined;
let mounted = false;
const isRoot = process.geteuid?.() === 0;

function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

beforeAll(() => {
  if (!isRoot) return;
  mkdirSync(disk, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', disk]);
  mounted = true;
  fill(ballast);
});

afterAll(async () => {
  await daemon?.dispose();
  if (mounted) execFileSync('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
  expect(mountsUnder(disk)).toEqual([]);
});

describe.skipIf(!isRoot)('ced with its log file on a full disk (needs root for the tmpfs)', () => {
  it('starts, runs containers, logs again once space returns, and stops', async () => {
    const logFile = join(disk, 'ced.log');
    daemon = await startTestDaemon(['--log-file', logFile]);
    const run = () => ce(['run', '--rm', 'hello-world'], { socket: daemon!.socket });

    const whileFull = await run();
    expect(whileFull.stderr).toBe('');
    expect(whileFull.stdout).toContain('Hello from ce!');
    expect(whileFull.code).toBe(0);

    rmSync(ballast);
    expect((await run()).code).toBe(0);
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => (JSON.parse(l) as { msg?: string }).msg)).toContain('container removed');

    await daemon.stop();
    expect(daemon.process.exitCode).toBe(0);
  });
});
