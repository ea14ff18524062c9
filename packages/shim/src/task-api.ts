import type { AttachOptions, AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';

/**
 * The Task service of one shim: implemented in-process by ShimTask and over
 * gRPC by TaskGrpcClient, so callers never know which they hold.
 */
export interface TaskApi {
  create(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse>;
  start(req: shim.StartRequest): Promise<shim.StartResponse>;
  kill(req: shim.KillRequest): Promise<void>;
  wait(req: shim.WaitRequest): Promise<ExitStatus>;
  delete(req: shim.DeleteRequest): Promise<shim.DeleteResponse>;
  state(req: shim.StateRequest): Promise<shim.StateResponse>;
  /** Events from now on, until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<TaskEvent>;
  attach(options: AttachOptions): AttachSession;
  shutdown(id: string): Promise<void>;
  // Exec and terminals: Start, Kill, Wait, State, Delete and attach take the exec id.
  exec(req: shim.ExecProcessRequest): Promise<void>;
  resizePty(req: shim.ResizePtyRequest): Promise<void>;
  closeIO(req: shim.CloseIORequest): Promise<void>;
  // pause, resources and statistics
  pause(req: shim.PauseRequest): Promise<void>;
  resume(req: shim.ResumeRequest): Promise<void>;
  update(req: shim.UpdateTaskRequest): Promise<void>;
  stats(req: shim.StatsRequest): Promise<CgroupStats>;
  pids(req: shim.PidsRequest): Promise<shim.PidsResponse>;
  /** Reopens the log file at its path (the CRI's ReopenContainerLog). */
  reopenLog(req: shim.ReopenLogRequest): Promise<void>;
}
