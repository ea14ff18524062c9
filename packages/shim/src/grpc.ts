import { Metadata, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService, clientAttach, dialUnix, readStream, serveAttach, unary, type AttachOptions, type AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskClient, TaskService } from '@ce/protocol/gen/ce/shim/v1/shim';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { TaskApi } from './task-api.js';

/** ce.shim.v1.Task over a local TaskApi, ready for serveUnix. */
export function taskGrpcService(api: TaskApi): [ServiceDefinition, UntypedServiceImplementation] {
  return [
    TaskService as unknown as ServiceDefinition,
    adaptService(TaskService, {
      create: (req) => api.create(req),
      start: (req) => api.start(req),
      kill: async (req) => (await api.kill(req), {}),
      wait: (req) => api.wait(req),
      delete: (req) => api.delete(req),
      state: (req) => api.state(req),
      events: (_req, ctx) => api.events(ctx.signal),
      attach: (call) => serveAttach(call, (options) => api.attach(options)),
      shutdown: async (req) => (await api.shutdown(req.id), {}),
      exec: async (req) => (await api.exec(req), {}),
      resizePty: async (req) => (await api.resizePty(req), {}),
      closeIo: async (req) => (await api.closeIO(req), {}),
      pause: async (req) => (await api.pause(req), {}),
      resume: async (req) => (await api.resume(req), {}),
      update: async (req) => (await api.update(req), {}),
      stats: (req) => api.stats(req),
      pids: (req) => api.pids(req),
      reopenLog: async (req) => (await api.reopenLog(req), {}),
    }),
  ];
}

/** A TaskApi that is a shim one socket away. */
export class TaskGrpcClient implements TaskApi {
  private readonly client: TaskClient;
  private readonly target: string;

  constructor(readonly socketPath: string) {
    // A task's socket may be served by another process than the one an earlier client of the
    // path reached (a shim host started again, a shim of a re-created id): this client connects
    // on its own, not through a connection that client left backing off its reconnects.
    this.client = dialUnix(TaskClient, socketPath, { 'grpc.use_local_subchannel_pool': 1 });
    this.target = `shim at ${socketPath}`;
  }

  create(req: shim.CreateTaskRequest): Promise<shim.CreateTaskResponse> {
    return unary((cb) => this.client.create(req, cb), this.target);
  }
  start(req: shim.StartRequest): Promise<shim.StartResponse> {
    return unary((cb) => this.client.start(req, cb), this.target);
  }
  async kill(req: shim.KillRequest): Promise<void> {
    await unary((cb) => this.client.kill(req, cb), this.target);
  }
  wait(req: shim.WaitRequest): Promise<ExitStatus> {
    return unary((cb) => this.client.wait(req, cb), this.target);
  }
  delete(req: shim.DeleteRequest): Promise<shim.DeleteResponse> {
    return unary((cb) => this.client.delete(req, cb), this.target);
  }
  state(req: shim.StateRequest, deadlineMs?: number): Promise<shim.StateResponse> {
    const deadline = deadlineMs ? Date.now() + deadlineMs : Infinity;
    return unary((cb) => this.client.state(req, new Metadata(), { deadline }, cb), this.target);
  }
  events(signal: AbortSignal): AsyncIterable<TaskEvent> {
    const stream = this.client.events({});
    signal.addEventListener('abort', () => stream.cancel());
    return readStream<TaskEvent>(stream, this.target);
  }
  attach(options: AttachOptions): AttachSession {
    return clientAttach(this.client.attach(), options, this.target);
  }
  async shutdown(id: string): Promise<void> {
    await unary((cb) => this.client.shutdown({ id }, cb), this.target);
  }
  async exec(req: shim.ExecProcessRequest): Promise<void> {
    await unary((cb) => this.client.exec(req, cb), this.target);
  }
  async resizePty(req: shim.ResizePtyRequest): Promise<void> {
    await unary((cb) => this.client.resizePty(req, cb), this.target);
  }
  async closeIO(req: shim.CloseIORequest): Promise<void> {
    await unary((cb) => this.client.closeIo(req, cb), this.target);
  }
  async pause(req: shim.PauseRequest): Promise<void> {
    await unary((cb) => this.client.pause(req, cb), this.target);
  }
  async resume(req: shim.ResumeRequest): Promise<void> {
    await unary((cb) => this.client.resume(req, cb), this.target);
  }
  async update(req: shim.UpdateTaskRequest): Promise<void> {
    await unary((cb) => this.client.update(req, cb), this.target);
  }
  stats(req: shim.StatsRequest): Promise<CgroupStats> {
    return unary((cb) => this.client.stats(req, cb), this.target);
  }
  pids(req: shim.PidsRequest): Promise<shim.PidsResponse> {
    return unary((cb) => this.client.pids(req, cb), this.target);
  }
  async reopenLog(req: shim.ReopenLogRequest): Promise<void> {
    await unary((cb) => this.client.reopenLog(req, cb), this.target);
  }
  close(): void {
    this.client.close();
  }
}
