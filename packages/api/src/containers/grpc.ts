import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { adaptService, serveAttach } from '@ce/protocol';
import { ContainersService, WaitCondition, type Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ContainerService, WaitCondition as Condition } from './container-service.js';
import { containerLogs } from './container-logs.js';
import type { ContainerRecord } from './record.js';

const conditions: Record<WaitCondition, Condition> = {
  [WaitCondition.WAIT_CONDITION_UNSPECIFIED]: 'not-running',
  [WaitCondition.WAIT_CONDITION_NOT_RUNNING]: 'not-running',
  [WaitCondition.WAIT_CONDITION_NEXT_EXIT]: 'next-exit',
  [WaitCondition.WAIT_CONDITION_REMOVED]: 'removed',
  [WaitCondition.UNRECOGNIZED]: 'not-running',
};

export function toContainerMessage(r: ContainerRecord): Container {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    imageId: r.imageId,
    pathAndArgs: r.pathAndArgs,
    createdAt: new Date(r.createdAt),
    state: {
      status: r.state.status,
      running: r.state.status === 'running',
      pid: r.state.pid,
      exitCode: r.state.exitCode,
      startedAt: r.state.startedAt ? new Date(r.state.startedAt) : undefined,
      finishedAt: r.state.finishedAt ? new Date(r.state.finishedAt) : undefined,
      error: r.state.error ?? '',
    },
    autoRemove: r.config.autoRemove,
    labels: r.config.labels,
    hostname: r.config.hostname,
    env: r.config.env,
    workingDir: r.config.workingDir,
    user: r.config.user,
    tty: r.config.tty,
  };
}

/** ce.api.v1.Containers over the local ContainerService. */
export function containersGrpcService(svc: ContainerService): [ServiceDefinition, UntypedServiceImplementation] {
  return [
    ContainersService as unknown as ServiceDefinition,
    adaptService(ContainersService, {
      create: async (req) => {
        const record = await svc.create({
          name: req.name,
          image: req.image,
          cmd: req.cmd?.values,
          entrypoint: req.entrypoint?.values,
          env: req.env,
          workingDir: req.workingDir,
          user: req.user,
          hostname: req.hostname,
          autoRemove: req.autoRemove,
          tty: req.tty,
          openStdin: req.openStdin,
          labels: req.labels,
          security: { privileged: req.privileged, capAdd: req.capAdd, capDrop: req.capDrop, securityOpt: req.securityOpt },
          stopSignal: req.stopSignal,
          stopTimeout: req.stopTimeout,
          logConfig: req.logConfig ? { Type: req.logConfig.type, Config: req.logConfig.config } : undefined,
        });
        return { id: record.id, warnings: [] };
      },
      start: async (req) => (await svc.start(req.id), {}),
      attach: (call) => serveAttach(call, (options) => svc.attach(options)),
      wait: async (req) => ({ exitCode: await svc.wait(req.id, conditions[req.condition]), error: '' }),
      kill: async (req) => (await svc.kill(req.id, req.signal), {}),
      stop: async (req) => (await svc.stop(req.id, req.timeout), {}),
      restart: async (req) => (await svc.restart(req.id, req.timeout), {}),
      remove: async (req) => (await svc.remove(req.id, req.force), {}),
      inspect: async (req) => toContainerMessage(svc.inspect(req.id)),
      list: async (req) => ({ containers: svc.list(req.all).map(toContainerMessage) }),
      logs: (req, ctx) => containerLogs(svc, req, ctx),
    }),
  ];
}
