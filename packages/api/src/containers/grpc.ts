import { PassThrough } from 'node:stream';
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService, serveAttach, type PromiseService } from '@ce/protocol';
import { ContainersService, WaitCondition, type Container, type ExecInspect } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ExecRecord, ExecService } from './exec.js';
import type { ContainerFiles } from './container-files.js';
import { serveExtractToPath } from './extract-grpc.js';
import type { ContainerService, WaitCondition as Condition } from './container-service.js';
import { containerLogs } from './container-logs.js';
import { createOptionsFromRequest, parseObject } from './create-request.js';
import { toContainerJSON, ZERO_TIME, type ContainerConfig, type RestartPolicy } from './model/index.js';
import { containerName, type ContainerRecord } from './record.js';

const conditions: Record<WaitCondition, Condition> = {
  [WaitCondition.WAIT_CONDITION_UNSPECIFIED]: 'not-running',
  [WaitCondition.WAIT_CONDITION_NOT_RUNNING]: 'not-running',
  [WaitCondition.WAIT_CONDITION_NEXT_EXIT]: 'next-exit',
  [WaitCondition.WAIT_CONDITION_REMOVED]: 'removed',
  [WaitCondition.UNRECOGNIZED]: 'not-running',
};

/** What Docker's container list repeats of a ContainerJSON (see Container.summary_json), taken as toContainerJSON takes it. */
function summaryJson(r: ContainerRecord): string {
  const json = toContainerJSON(r);
  return JSON.stringify({
    HostConfig: { NetworkMode: json.HostConfig.NetworkMode },
    NetworkSettings: { Networks: json.NetworkSettings.Networks, Ports: json.NetworkSettings.Ports },
    Mounts: json.Mounts,
  });
}

/**
 * How much of the ContainerJSON a Container carries: all of it (inspect), what a list shows of it (a list of
 * summaries), or none (an inspect that asked to omit it: the caller needs the other fields only).
 */
export type ContainerJsonPart = 'whole' | 'summary' | 'none';

/** A record as ce.api.v1 sends it, with the part of its ContainerJSON asked for. */
export function toContainerMessage(r: ContainerRecord, part: ContainerJsonPart = 'whole'): Container {
  const time = (t: string) => (t && t !== ZERO_TIME ? new Date(t) : undefined);
  return {
    id: r.Id,
    name: containerName(r),
    image: r.Config.Image,
    imageId: r.Image,
    pathAndArgs: [r.Path, ...r.Args],
    createdAt: new Date(r.Created),
    state: {
      status: r.State.Status,
      running: r.State.Running,
      pid: r.State.Pid,
      exitCode: r.State.ExitCode,
      startedAt: time(r.State.StartedAt),
      finishedAt: time(r.State.FinishedAt),
      error: r.State.Error,
      health: r.State.Health?.Status ?? '',
    },
    autoRemove: r.HostConfig.AutoRemove,
    labels: r.Config.Labels,
    hostname: r.Config.Hostname,
    env: r.Config.Env ?? [],
    workingDir: r.Config.WorkingDir,
    user: r.Config.User,
    tty: r.Config.Tty,
    openStdin: r.Config.OpenStdin,
    stdinOnce: r.Config.StdinOnce,
    json: part === 'whole' ? JSON.stringify(toContainerJSON(r)) : '',
    ...(part === 'summary' ? { summaryJson: summaryJson(r) } : {}),
  };
}

/** The export's tar in chunks; a cancelled call stops the walk. */
async function* exportChunks(svc: ContainerService, ref: string, signal: AbortSignal): AsyncGenerator<{ data: Buffer }> {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const exporting = svc.export(ref, out).then(
    () => out.end(),
    (err: Error) => out.destroy(err),
  );
  signal.addEventListener('abort', () => out.destroy(), { once: true });
  try {
    for await (const chunk of out) yield { data: chunk as Buffer };
  } finally {
    out.destroy();
    await exporting;
  }
}

function toExecInspect(e: ExecRecord): ExecInspect {
  return {
    id: e.id,
    containerId: e.containerId,
    running: e.state === 'running',
    exitCode: e.exitCode,
    pid: e.pid,
    openStdin: e.config.attachStdin,
    openStdout: e.config.attachStdout,
    openStderr: e.config.attachStderr,
    tty: e.config.tty,
    entrypoint: e.config.cmd[0] ?? '',
    arguments: e.config.cmd.slice(1),
    user: e.config.user,
    workingDir: e.config.workingDir,
    detachKeys: e.config.detachKeys,
    started: e.state !== 'created',
  };
}

/** ce.api.v1.Containers over the local services: what ced serves on ce.sock, and what its Docker API calls in process. */
export type ContainersImplementation = PromiseService<typeof ContainersService>;

export function containersImplementation(svc: ContainerService, execs: ExecService, files: ContainerFiles): ContainersImplementation {
  return {
    create: async (req) => {
      const record = await svc.create(createOptionsFromRequest(req));
      return { id: record.Id, warnings: [] };
    },
    start: async (req) => ({ alreadyStarted: !(await svc.start(req.id)) }),
    attach: (call) => serveAttach(call, (options) => (options.execId ? execs.attach(options) : svc.attach(options))),
    wait: async (req) => ({ exitCode: await svc.wait(req.id, conditions[req.condition]), error: '' }),
    kill: async (req) => (await svc.kill(req.id, req.signal), {}),
    stop: async (req) => ({ alreadyStopped: !(await svc.stop(req.id, req.timeout)) }),
    restart: async (req) => (await svc.restart(req.id, req.timeout), {}),
    remove: async (req) => (await svc.remove(req.id, req.force, req.removeVolumes), {}),
    inspect: async (req) => toContainerMessage(svc.inspect(req.id), req.omitJson ? 'none' : 'whole'),
    list: async (req) => ({ containers: svc.list(req.all).map((r) => toContainerMessage(r, req.summaries ? 'summary' : 'whole')) }),
    logs: (req, ctx) => containerLogs(svc, req, ctx),
    createExec: async (req) => ({
      id: execs.create(req.id, {
        cmd: req.cmd,
        env: req.env,
        user: req.user,
        workingDir: req.workingDir,
        tty: req.tty,
        attachStdin: req.attachStdin,
        attachStdout: req.attachStdout,
        attachStderr: req.attachStderr,
        detachKeys: req.detachKeys,
        consoleSize: req.consoleSize,
      }),
    }),
    startExec: async (req) => (await execs.start(req.execId), {}),
    inspectExec: async (req) => toExecInspect(await execs.inspect(req.execId, req.wait)),
    resize: async (req) => (await (req.execId ? execs.resize(req.execId, req.width, req.height) : svc.resize(req.id, req.width, req.height)), {}),
    rename: async (req) => (await svc.rename(req.id, req.name), {}),
    pause: async (req) => (await svc.pause(req.id), {}),
    unpause: async (req) => (await svc.unpause(req.id), {}),
    update: async (req) => ({
      warnings: await svc.update(
        req.id,
        req.resources,
        req.nanoCpus,
        req.restartPolicy ? { Name: req.restartPolicy.name as RestartPolicy['Name'], MaximumRetryCount: req.restartPolicy.maximumRetryCount } : undefined,
      ),
    }),
    top: async (req) => {
      const result = await svc.top(req.id, req.psArgs);
      return { titles: result.titles, processes: result.processes.map((fields) => ({ fields })) };
    },
    stats: (req, ctx) => svc.stats(req.id, { stream: req.stream, oneShot: req.oneShot, signal: ctx.signal }),
    commit: async (req) => ({
      id: await svc.commit(req.id, {
        reference: req.reference,
        comment: req.comment,
        author: req.author,
        changes: req.changes,
        pause: req.pause,
        config: req.configJson ? (parseObject(req.configJson, 'config_json') as Partial<ContainerConfig>) : undefined,
      }),
    }),
    export: (req, ctx) => exportChunks(svc, req.id, ctx.signal),
    statPath: async (req) => ({ statJson: JSON.stringify(await files.statPath(req.id, req.path)) }),
    archivePath: (req) => archiveReplies(files.archivePath(req.id, req.path)),
    extractToPath: (call) => serveExtractToPath(call, files),
    changes: async (req) => ({ changes: await files.changes(req.id) }),
  };
}

export function containersGrpcService(implementation: ContainersImplementation): [ServiceDefinition, UntypedServiceImplementation] {
  return [ContainersService as unknown as ServiceDefinition, adaptService(ContainersService, implementation)];
}

async function* archiveReplies(items: ReturnType<ContainerFiles['archivePath']>) {
  for await (const item of items) {
    yield 'stat' in item ? { stat: { statJson: JSON.stringify(item.stat) } } : { data: item.data };
  }
}
