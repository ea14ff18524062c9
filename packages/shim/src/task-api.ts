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

/**
 * The Task service of one shim: implemented in-process by ShimTask and over
 * gRPC by TaskGrpcClient, so callers never know which they hold.
 */
export interface TaskApi {
  create(req: CreateTaskRequest): Promise<CreateTaskResponse>;
  start(req: StartRequest): Promise<StartResponse>;
  kill(req: KillRequest): Promise<void>;
  wait(req: WaitRequest): Promise<ExitStatus>;
  delete(req: DeleteRequest): Promise<DeleteResponse>;
  state(req: StateRequest): Promise<StateResponse>;
  /** Events from now on, until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<TaskEvent>;
  attach(options: AttachOptions): AttachSession;
  shutdown(id: string): Promise<void>;
}
