import type { RuntimeEvent, Stats } from '../cgroups/stats-types.js';

export interface EventSource {
  id: string;
  stats(): Promise<Stats>;
  oomKills(): Promise<number>;
  /** False once the container stopped or was deleted: the iteration ends. */
  running(): Promise<boolean>;
}

/** How often the OOM counter is read: OOM kills are reported within this time. */
const OOM_POLL_MS = 100;

/**
 * runc events: a stats event every `intervalMs` (the first at once) and an
 * oom event whenever the memory cgroup's OOM-kill counter grows. Node cannot
 * wait on v1's eventfd without a native helper, so the counter is polled.
 */
export async function* containerEvents(src: EventSource, intervalMs: number, signal?: AbortSignal): AsyncGenerator<RuntimeEvent> {
  let ooms = await src.oomKills();
  let nextStats = 0;
  while (!signal?.aborted) {
    const kills = await src.oomKills();
    for (; ooms < kills; ooms++) yield { type: 'oom', id: src.id };
    if (!(await src.running())) return;
    if (Date.now() >= nextStats) {
      nextStats = Date.now() + intervalMs;
      yield { type: 'stats', id: src.id, data: await src.stats() };
    }
    await sleepUnlessAborted(Math.min(OOM_POLL_MS, Math.max(0, nextStats - Date.now())), signal);
  }
}

function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
