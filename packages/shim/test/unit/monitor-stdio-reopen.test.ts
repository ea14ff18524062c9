// ReopenContainerLog through a task's ce-monitor: what each answer, and no answer, becomes.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MonitorStdio } from '../../src/monitor/monitor-stdio.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A monitor's socket that answers every request with `answer` and records the requests. */
async function fakeMonitor(answer: string): Promise<{ socket: string; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ce-test-monitor-'));
  const socket = join(dir, 'c1.mon');
  const requests: string[] = [];
  const server: Server = createServer((c) => c.once('data', (d: Buffer) => (requests.push(d.toString()), c.end(answer))));
  await new Promise<void>((r) => server.listen(socket, r));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => new Promise<void>((r) => server.close(() => r())));
  return { socket, requests };
}

describe('MonitorStdio.reopenLog', () => {
  it('asks the monitor to reopen and resolves on its ok', async () => {
    const m = await fakeMonitor('ok\n');
    await new MonitorStdio(m.socket, Promise.resolve()).reopenLog('c1');
    expect(m.requests).toEqual(['reopen\n']);
  });

  it('is FailedPrecondition for a task without a log, Internal for another refusal', async () => {
    const none = await fakeMonitor('error the container has no log file\n');
    await expect(new MonitorStdio(none.socket, Promise.resolve()).reopenLog('c1')).rejects.toMatchObject({ code: 'FailedPrecondition', message: 'task c1 has no log file' });
    const other = await fakeMonitor('error Permission denied\n');
    await expect(new MonitorStdio(other.socket, Promise.resolve()).reopenLog('c1')).rejects.toMatchObject({ code: 'Internal', message: 'reopening the log of task c1: Permission denied' });
  });

  it('is FailedPrecondition, not Unavailable (which the supervisor takes for a dead shim), when the monitor is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-test-monitor-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(new MonitorStdio(join(dir, 'gone.mon'), Promise.resolve()).reopenLog('c1')).rejects.toMatchObject({
      code: 'FailedPrecondition',
      message: expect.stringMatching(/^reopening the log of task c1: its ce-monitor cannot be reached: connect ENOENT/),
    });
  });
});
