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
