import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService, clientAttach, dialUnix, readStream, serveAttach, unary, type AttachOptions, type AttachSession, type PromiseService } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import { SupervisorClient, SupervisorService, type ListTasksResponse } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SupervisorApi } from './supervisor-api.js';

/** ce.supervisor.v1.Supervisor's methods over a local SupervisorApi (what supervisorGrpcService serves). */
export function supervisorServiceImpl(api: SupervisorApi): PromiseService<typeof SupervisorService> {
  return {
    createTask: (req) => api.createTask(req),
    startTask: (req) => api.startTask(req),
    killTask: async (req) => (await api.killTask(req), {}),
    waitTask: (req) => api.waitTask(req),
    deleteTask: (req) => api.deleteTask(req),
    taskState: (req) => api.taskState(req),
    attachTask: (call) => serveAttach(call, (options) => api.attachTask(options)),
    listTasks: async (req) => ({ tasks: await api.listTasks(req.namespace) }),
    events: (_req, ctx) => api.events(ctx.signal),
    execTask: async (req) => (await api.execTask(req), {}),
    resizeTaskPty: async (req) => (await api.resizeTaskPty(req), {}),
    closeTaskIo: async (req) => (await api.closeTaskIO(req), {}),
    pauseTask: async (req) => (await api.pauseTask(req), {}),
    resumeTask: async (req) => (await api.resumeTask(req), {}),
    updateTask: async (req) => (await api.updateTask(req), {}),
    taskStats: (req) => api.taskStats(req),
    taskPids: (req) => api.taskPids(req),
    reopenTaskLog: async (req) => (await api.reopenTaskLog(req), {}),
  };
}

/** ce.supervisor.v1.Supervisor over a local SupervisorApi, ready for serveUnix. */
export function supervisorGrpcService(api: SupervisorApi): [ServiceDefinition, UntypedServiceImplementation] {
  return [SupervisorService as unknown as ServiceDefinition, adaptService(SupervisorService, supervisorServiceImpl(api))];
}

/** A SupervisorApi served by a ce-supervisor process. */
export class SupervisorGrpcClient implements SupervisorApi {
  private readonly client: SupervisorClient;
  private readonly target: string;

  constructor(socketPath: string) {
    this.client = dialUnix(SupervisorClient, socketPath);
    this.target = `ce-supervisor at ${socketPath}`;
  }

  createTask(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    return unary((cb) => this.client.createTask(req, cb), this.target);
  }
  startTask(req: shim.StartRequest): Promise<shim.StartResponse> {
    return unary((cb) => this.client.startTask(req, cb), this.target);
  }
  async killTask(req: shim.KillRequest): Promise<void> {
    await unary((cb) => this.client.killTask(req, cb), this.target);
  }
  waitTask(req: shim.WaitRequest): Promise<ExitStatus> {
    return unary((cb) => this.client.waitTask(req, cb), this.target);
  }
  deleteTask(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    return unary((cb) => this.client.deleteTask(req, cb), this.target);
  }
  taskState(req: shim.StateRequest): Promise<shim.StateResponse> {
    return unary((cb) => this.client.taskState(req, cb), this.target);
  }
  attachTask(options: AttachOptions): AttachSession {
    return clientAttach(this.client.attachTask(), options, this.target);
  }
  async listTasks(namespace = ''): Promise<shim.StateResponse[]> {
    return (await unary<ListTasksResponse>((cb) => this.client.listTasks({ namespace }, cb), this.target)).tasks;
  }
  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    const stream = this.client.events({});
    signal.addEventListener('abort', () => stream.cancel());
    return readStream<TaskEvent>(stream, this.target);
  }
  async execTask(req: shim.ExecProcessRequest): Promise<void> {
    await unary((cb) => this.client.execTask(req, cb), this.target);
  }
  async resizeTaskPty(req: shim.ResizePtyRequest): Promise<void> {
    await unary((cb) => this.client.resizeTaskPty(req, cb), this.target);
  }
  async closeTaskIO(req: shim.CloseIORequest): Promise<void> {
    await unary((cb) => this.client.closeTaskIo(req, cb), this.target);
  }
  async pauseTask(req: shim.PauseRequest): Promise<void> {
    await unary((cb) => this.client.pauseTask(req, cb), this.target);
  }
  async resumeTask(req: shim.ResumeRequest): Promise<void> {
    await unary((cb) => this.client.resumeTask(req, cb), this.target);
  }
  async updateTask(req: shim.UpdateTaskRequest): Promise<void> {
    await unary((cb) => this.client.updateTask(req, cb), this.target);
  }
  taskStats(req: shim.StatsRequest): Promise<CgroupStats> {
    return unary((cb) => this.client.taskStats(req, cb), this.target);
  }
  taskPids(req: shim.PidsRequest): Promise<shim.PidsResponse> {
    return unary((cb) => this.client.taskPids(req, cb), this.target);
  }
  async reopenTaskLog(req: shim.ReopenLogRequest): Promise<void> {
    await unary((cb) => this.client.reopenTaskLog(req, cb), this.target);
  }
  close(): void {
    this.client.close();
  }
}
