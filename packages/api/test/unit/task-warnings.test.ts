import { Broadcaster } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type { SupervisorApi } from '@ce/supervisor';
import { expect, it } from 'vitest';
import { logTaskWarnings } from '../../src/task-warnings.js';

it("writes shims' task warnings to ced's log as warnings with the container id, and nothing for other events", async () => {
  const events = new Broadcaster<TaskEvent>();
  const supervisor = { events: (signal: AbortSignal) => events.subscribe(signal) } as unknown as SupervisorApi;
  const warned: [object | string, string | undefined][] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (obj: object | string, msg?: string) => void warned.push([obj, msg]) };
  const stop = logTaskWarnings(supervisor, logger);
  events.publish({ id: 'c1', timestamp: new Date(), start: { pid: 7 } });
  const message = 'writing the container log /x/c1-json.log failed: ENOSPC (no space left on device); dropped 3 lines (90 bytes) since the last report; retrying every 1s';
  events.publish({ id: 'c1', timestamp: new Date(), warning: { kind: 'log-write-failed', message } });
  for (let i = 0; i < 100 && warned.length === 0; i++) await new Promise((r) => setImmediate(r));
  stop();
  expect(warned).toEqual([[{ container: 'c1', kind: 'log-write-failed' }, message]]);
});

it('says once that it no longer receives warnings when the supervisor stream fails, and nothing when it was stopped', async () => {
  const failing = {
    // eslint-disable-next-line require-yield
    events: async function* () {
      throw new Error('supervisor gone');
    },
  } as unknown as SupervisorApi;
  const warned: [object | string, string | undefined][] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (obj: object | string, msg?: string) => void warned.push([obj, msg]) };
  logTaskWarnings(failing, logger);
  for (let i = 0; i < 100 && warned.length === 0; i++) await new Promise((r) => setImmediate(r));
  expect(warned).toHaveLength(1);
  expect(warned[0]![1]).toBe('no longer receiving task warnings from the supervisor');
  expect((warned[0]![0] as { err: Error }).err.message).toBe('supervisor gone');

  const stopped: unknown[] = [];
  const aborting = {
    events: async function* (signal: AbortSignal) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      throw new Error('aborted');
    },
  } as unknown as SupervisorApi;
  const stop = logTaskWarnings(aborting, { ...logger, warn: (obj: unknown) => void stopped.push(obj) });
  stop();
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(stopped).toEqual([]);
});
