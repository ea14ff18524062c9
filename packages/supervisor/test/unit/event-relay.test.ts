import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { internal, serveUnix } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { taskGrpcService, type TaskApi } from '@ce/shim';
import { Supervisor } from '../../src/supervisor.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

it("re-opens the event stream of a shim that still listens, and relays the exit the shim repeats", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-relay-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'shims'));
  let subscriptions = 0;
  const exit: TaskEvent = { id: 't1', timestamp: new Date(), exit: { pid: 42, exitStatus: 3, exitedAt: new Date(1000), reason: '' } };
  // A shim whose first event stream fails (the shim stays up), and whose next one starts with the exit it kept.
  const task = {
    state: async () => ({ id: 't1', bundle: '', pid: 42, status: TaskStatus.TASK_STATUS_RUNNING, exitStatus: 0, terminal: false, stdin: false, shimPid: process.pid, namespace: 'default', labels: {} }),
    events: (signal: AbortSignal) =>
      (async function* () {
        subscriptions++;
        if (subscriptions === 1) throw internal('the stream broke');
        yield exit;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      })(),
  } as unknown as TaskApi;
  const server = await serveUnix(join(dir, 'shims', 't1.sock'), [taskGrpcService(task)], { mode: 0o600 });
  const warnings: string[] = [];
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot: join(dir, 'runtime'), logger: { ...silent, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? '') }, spareShim: false });
  const stop = new AbortController();
  try {
    const events = supervisor.events(stop.signal)[Symbol.asyncIterator]();
    await supervisor.taskState({ id: 't1' }); // the supervisor follows the shim from here on
    const first = await events.next();
    expect(first.value).toMatchObject({ id: 't1', exit: { pid: 42, exitStatus: 3 } });
    expect(subscriptions).toBe(2);
    expect(warnings).toEqual(["lost a live shim's event stream; subscribing again"]);
  } finally {
    stop.abort();
    await supervisor.close();
    await server.close(0);
  }
});
