// docker pause / unpause (moby daemon/pause.go, unpause.go, kill.go).
import { constants } from 'node:os';
import { failedPrecondition } from '@ce/protocol';
import type { ContainerRecord } from './record.js';
import type { TaskContext } from './task-context.js';

export async function pauseContainer(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.state.status === 'paused') throw failedPrecondition(`Container ${record.id} is already paused`);
  if (record.state.status !== 'running') throw failedPrecondition(`Container ${record.id} is not running`);
  await ctx.supervisor.pauseTask({ id: record.id });
  // an exit while freezing has already recorded the container as exited
  if (record.state.status !== 'running') return;
  record.state.status = 'paused';
  await ctx.save(record);
  ctx.logger.info({ id: record.id }, 'container paused');
}

export async function unpauseContainer(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.state.status !== 'paused') throw failedPrecondition(`Container ${record.id} is not paused`);
  await ctx.supervisor.resumeTask({ id: record.id });
  await markRunning(record, ctx);
  ctx.logger.info({ id: record.id }, 'container unpaused');
}

/**
 * After SIGKILL or the stop signal reached a paused container, thaw it so
 * that the signal is handled, as Docker's kill does. A task that ended
 * meanwhile needs nothing; a failure is logged, not thrown: the signal
 * was sent.
 */
export async function thawAfterSignal(record: ContainerRecord, signal: number, stopSignal: number, ctx: TaskContext): Promise<void> {
  if (record.state.status !== 'paused') return;
  if (signal !== constants.signals.SIGKILL && signal !== stopSignal) return;
  try {
    await ctx.supervisor.resumeTask({ id: record.id });
    await markRunning(record, ctx);
  } catch (err) {
    ctx.logger.warn({ id: record.id, err: (err as Error).message }, 'could not unpause the container after signalling it');
  }
}

async function markRunning(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.state.status !== 'paused') return;
  record.state.status = 'running';
  await ctx.save(record);
}
