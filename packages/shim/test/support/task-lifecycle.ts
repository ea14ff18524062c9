import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type { ShimTask } from '../../src/task.js';

/** Collects the task's events into `into` until `signal` aborts. */
export function collectEvents(task: ShimTask, signal: AbortSignal, into: TaskEvent[]): void {
  void (async () => {
    for await (const e of task.events(signal)) into.push(e);
  })();
}

/** Ends task `id` whatever state a test left it in: killed, waited for, deleted. */
export async function endTask(task: ShimTask, id: string): Promise<void> {
  await task.kill({ id, signal: 9, all: true }).catch(() => undefined);
  await task.wait({ id }).catch(() => undefined);
  await task.delete({ id }).catch(() => undefined);
}
