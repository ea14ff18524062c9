// docker stats (moby daemon/stats.go): a sample a second while streaming;
// without streaming, the second sample, so that CPU % has a previous one.
import type { ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';
import { containerName, type ContainerRecord } from './record.js';
import { readMachineMemory, readSystemCpu } from './host-figures.js';
import { emptyStats, toContainerStats, type RawSample } from './stats-sample.js';
import type { TaskContext } from './task-context.js';

/** Docker's collector interval. */
export const STATS_INTERVAL_MS = 1000;

export interface StatsOptions {
  stream: boolean;
  oneShot: boolean;
  signal: AbortSignal;
  /** The record as it is now, or undefined once the container is removed. */
  current: () => ContainerRecord | undefined;
  intervalMs?: number;
}

async function readSample(id: string, ctx: TaskContext): Promise<RawSample | undefined> {
  try {
    const [cgroup, system, machineMemory] = await Promise.all([ctx.supervisor.taskStats({ id }), readSystemCpu(), readMachineMemory()]);
    return { cgroup, system, machineMemory, read: new Date() };
  } catch (err) {
    // the task ended between the status check and the read: the container is no longer running
    ctx.logger.info({ id, err: (err as Error).message }, 'no stats for the container: its task is gone or did not answer');
    return undefined;
  }
}

export async function* containerStats(record: ContainerRecord, ctx: TaskContext, options: StatsOptions): AsyncGenerator<ContainerStats> {
  const interval = options.intervalMs ?? STATS_INTERVAL_MS;
  const name = () => containerName(options.current() ?? record);
  if (!options.stream) {
    if (!record.State.Running) {
      yield emptyStats(record.Id, name());
      return;
    }
    const first = await readSample(record.Id, ctx);
    if (!first) return yield emptyStats(record.Id, name());
    if (options.oneShot) return yield toContainerStats(record.Id, name(), first, undefined);
    if (!(await pause(interval, options.signal))) return;
    const second = await readSample(record.Id, ctx);
    yield second ? toContainerStats(record.Id, name(), second, first) : emptyStats(record.Id, name());
    return;
  }
  let previous: RawSample | undefined;
  while (!options.signal.aborted) {
    const now = options.current();
    if (!now) return;
    const sample = now.State.Running ? await readSample(now.Id, ctx) : undefined;
    yield sample ? toContainerStats(now.Id, containerName(now), sample, previous) : emptyStats(now.Id, containerName(now));
    previous = sample;
    if (!(await pause(interval, options.signal))) return;
  }
}

/** Waits `ms`; false when the caller went away meanwhile. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
