import type { Logger } from '@ce/protocol';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SupervisorApi } from '@ce/supervisor';
import type { ContainerService } from './containers/container-service.js';

export interface RecoveryReport {
  containers: number;
  running: number;
  /** Exited while ced was down: their exit is recorded now. */
  exitedWhileDown: number;
  /** Records that said running but whose shim is gone. */
  lost: number;
  /** Tasks with no container record: killed and deleted. */
  orphanTasks: number;
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
  const tasks = new Map((await supervisor.listTasks()).map((t) => [t.id, t]));
  const report: RecoveryReport = {
    containers: records.length,
    running: 0,
    exitedWhileDown: 0,
    lost: 0,
    orphanTasks: 0,
    unreadableRecords: problems.length,
  };

  for (const record of records) {
    const task = tasks.get(record.id);
    tasks.delete(record.id);
    if (task?.status === TaskStatus.TASK_STATUS_RUNNING && record.state.status === 'running') {
      report.running++;
      containers.watchExit(record);
    } else if (task) {
      // Stopped, or created but never started (ced died during start).
      report.exitedWhileDown++;
      if (task.status !== TaskStatus.TASK_STATUS_STOPPED) {
        await supervisor.killTask({ id: record.id, signal: 9, all: true }).catch(() => undefined);
      }
      const exit = await supervisor.waitTask({ id: record.id });
      await containers.onExit(record, exit.exitStatus, exit.exitedAt);
    } else if (record.state.status === 'running' || record.state.status === 'removing') {
      report.lost++;
      await containers.onExit(record, 255, new Date(), 'the container\'s shim was gone when ced restarted');
    } else {
      // created or exited, nothing running: only a leftover bundle may need cleaning.
      await containers.deleteTask(record.id, false);
    }
  }

  for (const orphan of tasks.values()) {
    report.orphanTasks++;
    logger.warn({ id: orphan.id }, 'task without a container record: killing and deleting it');
    await containers.deleteTask(orphan.id, orphan.status !== TaskStatus.TASK_STATUS_STOPPED);
  }
  return report;
}
