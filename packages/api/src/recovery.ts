import { isCeError, NAMESPACE_LABEL, type Logger } from '@ce/protocol';
import type { StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SupervisorApi } from '@ce/supervisor';
import type { ContainerService } from './containers/container-service.js';
import { runningState, withStatus } from './containers/model/index.js';
import type { ContainerRecord } from './containers/record.js';

/** How long recovery waits for a shim to report a kept exit. */
const KEPT_EXIT_WAIT_MS = 5000;

export interface RecoveryReport {
  containers: number;
  running: number;
  /** Exited while ced was down: their exit is recorded now. */
  exitedWhileDown: number;
  /** Records that said running but whose shim is gone. */
  lost: number;
  /** Tasks with no container record: killed and deleted. */
  orphanTasks: number;
  /** Tasks of this namespace that another owner made: left alone. */
  otherOwners: number;
  /** Container layers with no record (ced killed during a create): removed. */
  orphanRootfs: number;
  /** Shims that exist but did not answer in time: left alone, reported. */
  unresponsive: number;
  /** --rm containers not running after reconciliation (ced killed during `run --rm`): removed. */
  autoRemoved: number;
  /** Exited containers their restart policy brought back (always, unless-stopped, on-failure), as dockerd's restore does. */
  restartedByPolicy: number;
  /** Containers whose reconciliation failed: left as they were, logged. */
  failed: number;
  unreadableRecords: number;
}

/**
 * Reconciles container records with the shims still running after ced
 * restarts (for instance after a SIGKILL): running tasks are followed again,
 * exits that happened meanwhile are recorded, leftovers are cleaned up.
 */
export async function recover(containers: ContainerService, supervisor: SupervisorApi, logger: Logger): Promise<RecoveryReport> {
  const { records, problems } = await containers.load();
  for (const p of problems) logger.error({ id: p.id, error: p.error }, 'unreadable container record left as it is');
  // Only this namespace's tasks: those of other namespaces (the CRI's, the builder's) are their owners' business.
  const tasks = new Map((await supervisor.listTasks(containers.owner.namespace)).map((t) => [t.id, t]));
  const report: RecoveryReport = {
    containers: records.length,
    running: 0,
    exitedWhileDown: 0,
    lost: 0,
    orphanTasks: 0,
    otherOwners: 0,
    orphanRootfs: 0,
    unresponsive: 0,
    autoRemoved: 0,
    restartedByPolicy: 0,
    failed: 0,
    unreadableRecords: problems.length,
  };

  for (const record of records) {
    const task = tasks.get(record.Id);
    tasks.delete(record.Id);
    try {
      await reconcile(record, task);
      if (await containers.removeIfAutoRemove(record)) report.autoRemoved++;
    } catch (err) {
      report.failed++;
      logger.error({ id: record.Id, err: (err as Error).message }, 'could not reconcile a container; left as it was');
    }
  }

  async function reconcile(record: ContainerRecord, task: StateResponse | undefined): Promise<void> {
    const recorded = record.State.Status;
    const live = task?.status === TaskStatus.TASK_STATUS_RUNNING || task?.status === TaskStatus.TASK_STATUS_PAUSED;
    if (task && live && (recorded === 'running' || recorded === 'paused' || recorded === 'created')) {
      // 'created' with a running task: ced died between starting it and saving that.
      report.running++;
      const status = task.status === TaskStatus.TASK_STATUS_PAUSED ? 'paused' : 'running';
      if (recorded === 'created') {
        record.State = withStatus(runningState(record.State, task.pid, new Date()), status);
        await containers.save(record);
      } else if (recorded !== status) {
        // paused or unpaused while ced was down: the task's state is the truth
        record.State = withStatus(record.State, status);
        await containers.save(record);
      }
      containers.watchExit(record);
    } else if (task?.status === TaskStatus.TASK_STATUS_CREATED) {
      // ced died during start, before the process was released: it never ran.
      await containers.deleteTask(record.Id, true);
    } else if (task && (recorded === 'exited' || recorded === 'restarting')) {
      // Its exit is recorded already (ced died before deleting the task): only the task is left.
      await containers.deleteTask(record.Id, false);
    } else if (task) {
      // Includes a task whose shim died: the supervisor ended its container (137).
      report.exitedWhileDown++;
      const exit = await keptExit(task);
      await containers.onExit(record, exit.exitStatus, exit.exitedAt, exit.reason || undefined, exit.oomKilled);
    } else if (recorded === 'running' || recorded === 'paused' || recorded === 'removing') {
      if (await shimUnresponsive(record.Id)) {
        report.unresponsive++;
        logger.warn({ id: record.Id }, 'the shim of a running container does not answer; left alone');
        return;
      }
      report.lost++;
      await containers.onExit(record, 255, new Date(), "the container's shim was gone when ced restarted");
    } else {
      // created or exited, nothing running: only a leftover bundle may need cleaning.
      await containers.deleteTask(record.Id, false);
    }
  }

  /**
   * The exit a shim kept for a task that exited while ced was down: Wait
   * answers at once for a stopped task and adds the supervisor's reason (a
   * dead shim); bounded, so that a task in another state cannot hold up the
   * start, in which case the state listed is taken.
   */
  async function keptExit(task: StateResponse): Promise<{ exitStatus: number; exitedAt?: Date; reason?: string; oomKilled?: boolean }> {
    const listed = { exitStatus: task.exitStatus, exitedAt: task.exitedAt, reason: '', oomKilled: false };
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<typeof listed>((resolve) => (timer = setTimeout(() => resolve(listed), KEPT_EXIT_WAIT_MS)));
    try {
      return await Promise.race([supervisor.waitTask({ id: task.id }), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A shim socket that exists but did not answer (slow, not dead): a dead one refuses connections. */
  async function shimUnresponsive(id: string): Promise<boolean> {
    try {
      await supervisor.taskState({ id });
      return true; // it answers now: not lost; the next restart will follow it
    } catch (err) {
      return !isCeError(err, 'NotFound') && !isCeError(err, 'Unavailable');
    }
  }

  for (const orphan of tasks.values()) {
    // A task another owner made in this namespace (a library user's, say) is theirs: it survives ced's restart.
    if (Object.keys(orphan.labels).length > 0 && !containers.owns({ [NAMESPACE_LABEL]: orphan.namespace || containers.owner.namespace, ...orphan.labels })) {
      report.otherOwners++;
      continue;
    }
    report.orphanTasks++;
    logger.warn({ id: orphan.id }, 'task without a container record: killing and deleting it');
    await containers.deleteTask(orphan.id, orphan.status !== TaskStatus.TASK_STATUS_STOPPED).catch((err: Error) => {
      report.failed++;
      logger.error({ id: orphan.id, err: err.message }, 'could not delete a task without a record');
    });
  }
  // After orphan tasks are gone, so that their layers are no longer mounted.
  report.orphanRootfs = await containers.removeOrphanRootfs();
  report.restartedByPolicy = await containers.startByRestartPolicy();
  return report;
}
