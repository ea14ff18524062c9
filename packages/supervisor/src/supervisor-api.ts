import type { AttachOptions, AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';

/** ce.supervisor.v1 as a TypeScript interface: local (Supervisor) or remote (SupervisorGrpcClient). */
export interface SupervisorApi {
  createTask(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse>;
  startTask(req: shim.StartRequest): Promise<shim.StartResponse>;
  killTask(req: shim.KillRequest): Promise<void>;
  waitTask(req: shim.WaitRequest): Promise<ExitStatus>;
  /** Deletes the task and ends its shim. */
  deleteTask(req: shim.DeleteRequest): Promise<shim.DeleteResponse>;
  taskState(req: shim.StateRequest): Promise<shim.StateResponse>;
  attachTask(options: AttachOptions): AttachSession;
  /** Tasks whose shims answer; shims that do not are reported and forgotten. */
  /** Every task, or those of one namespace. */
  listTasks(namespace?: string): Promise<shim.StateResponse[]>;
  events(signal: AbortSignal): AsyncIterable<TaskEvent>;
  // Exec and terminals, forwarded to the task's shim.
  execTask(req: shim.ExecProcessRequest): Promise<void>;
  resizeTaskPty(req: shim.ResizePtyRequest): Promise<void>;
  closeTaskIO(req: shim.CloseIORequest): Promise<void>;
  // pause, resources and statistics
  pauseTask(req: shim.PauseRequest): Promise<void>;
  resumeTask(req: shim.ResumeRequest): Promise<void>;
  updateTask(req: shim.UpdateTaskRequest): Promise<void>;
  taskStats(req: shim.StatsRequest): Promise<CgroupStats>;
  taskPids(req: shim.PidsRequest): Promise<shim.PidsResponse>;
  reopenTaskLog(req: shim.ReopenLogRequest): Promise<void>;
}
