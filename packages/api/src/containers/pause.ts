// docker pause / unpause (moby daemon/pause.go, unpause.go, kill.go).
import { constants } from 'node:os';
import { failedPrecondition } from '@ce/protocol';
import { withStatus } from './model/index.js';
import type { ContainerRecord } from './record.js';
import type { TaskContext } from './task-context.js';

export async function pauseContainer(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.State.Status === 'paused') throw failedPrecondition(`Container ${record.Id} is already paused`);
  if (record.State.Status !== 'running') throw failedPrecondition(`Container ${record.Id} is not running`);
  await ctx.supervisor.pauseTask({ id: record.Id });
  // an exit while freezing has already recorded the container as exited
  if (record.State.Status !== 'running') return;
  record.State = withStatus(record.State, 'paused');
  await ctx.save(record);
  ctx.logger.info({ id: record.Id }, 'container paused');
}

export async function unpauseContainer(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.State.Status !== 'paused') throw failedPrecondition(`Container ${record.Id} is not paused`);
  await ctx.supervisor.resumeTask({ id: record.Id });
  await markRunning(record, ctx);
  ctx.logger.info({ id: record.Id }, 'container unpaused');
}

/**
 * After SIGKILL or the stop signal reached a paused container, thaw it so
 * that the signal is handled, as Docker's kill does. A task that ended
 * meanwhile needs nothing; a failure is logged, not thrown: the signal
 * was sent.
 */
export async function thawAfterSignal(record: ContainerRecord, signal: number, stopSignal: number, ctx: TaskContext): Promise<void> {
  if (record.State.Status !== 'paused') return;
  if (signal !== constants.signals.SIGKILL && signal !== stopSignal) return;
  try {
    await ctx.supervisor.resumeTask({ id: record.Id });
    await markRunning(record, ctx);
  } catch (err) {
    ctx.logger.warn({ id: record.Id, err: (err as Error).message }, 'could not unpause the container after signalling it');
  }
}

async function markRunning(record: ContainerRecord, ctx: TaskContext): Promise<void> {
  if (record.State.Status !== 'paused') return;
  record.State = withStatus(record.State, 'running');
  await ctx.save(record);
}
