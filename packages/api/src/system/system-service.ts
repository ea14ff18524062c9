import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { release } from 'node:os';
import { adaptService, type PromiseService } from '@ce/protocol';
import { SystemService, type PruneContainersRequest, type SystemPruneRequest, type VersionResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { pruneContainers, systemPrune, type PruneSources } from './prune.js';
import { API_VERSION, ENGINE_VERSION } from '../version.js';
import { systemInfo, type SystemInfoSources } from './system-info.js';

export function versionInfo(cgroupVersion: string): VersionResponse {
  return {
    version: ENGINE_VERSION,
    apiVersion: API_VERSION,
    gitCommit: process.env.CE_GIT_COMMIT ?? '',
    nodeVersion: process.version,
    os: process.platform,
    arch: process.arch,
    kernelVersion: release(),
    cgroupVersion,
    pid: process.pid,
  };
}

/** ce.api.v1.System over ced's sources: what ce.sock serves, and what its Docker API calls in process. */
export type SystemImplementation = PromiseService<typeof SystemService>;

export function systemImplementation(cgroupVersion: string, prune: PruneSources, info: SystemInfoSources): SystemImplementation {
  return {
    version: async () => versionInfo(cgroupVersion),
    ping: async () => ({}),
    prune: async (req: SystemPruneRequest) => systemPrune(prune, { all: req.all, filters: req.filters, volumes: req.volumes }),
    info: () => systemInfo(info),
    pruneContainers: async (req: PruneContainersRequest) => pruneContainers(prune, req.filters),
  };
}

export function systemGrpcService(implementation: SystemImplementation): [ServiceDefinition, UntypedServiceImplementation] {
  return [SystemService as unknown as ServiceDefinition, adaptService(SystemService, implementation)];
}
