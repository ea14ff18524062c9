import type { AttachOptions, AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type {
  CreateTaskRequest,
  CreateTaskResponse,
  DeleteRequest,
  DeleteResponse,
  KillRequest,
  StartRequest,
  StartResponse,
  StateRequest,
  StateResponse,
  WaitRequest,
} from '@ce/protocol/gen/ce/shim/v1/shim';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';

/** ce.supervisor.v1 as a TypeScript interface: local (Supervisor) or remote (SupervisorGrpcClient). */
export interface SupervisorApi {
  createTask(req: CreateTaskRequest): Promise<CreateTaskResponse>;
  startTask(req: StartRequest): Promise<StartResponse>;
  killTask(req: KillRequest): Promise<void>;
  waitTask(req: WaitRequest): Promise<ExitStatus>;
  /** Deletes the task and ends its shim. */
  deleteTask(req: DeleteRequest): Promise<DeleteResponse>;
  taskState(req: StateRequest): Promise<StateResponse>;
  attachTask(options: AttachOptions): AttachSession;
  /** Tasks whose shims answer; shims that do not are reported and forgotten. */
  listTasks(): Promise<StateResponse[]>;
  events(signal: AbortSignal): AsyncIterable<TaskEvent>;
}
