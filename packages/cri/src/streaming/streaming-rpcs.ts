// runtime.v1's ExecSync, Exec, Attach and PortForward, as containerd answers
// them: ExecSync runs at once; the others check their container (running) or
// sandbox (ready) and answer a URL of the streaming server.
import { CeError } from '@ce/protocol';
import type { AttachRequest, AttachResponse, ExecRequest, ExecResponse, ExecSyncRequest, ExecSyncResponse, PortForwardRequest, PortForwardResponse } from '../gen/runtime/v1/api.js';
import type { SandboxRecord } from '../sandbox/sandbox-store.js';
import { wrapError } from '../wrap-error.js';
import type { ExecTasks } from './container-exec.js';
import { requireRunning, type ContainerLookup } from './cri-containers.js';
import { execSync } from './exec-sync.js';
import type { StreamingServer } from './streaming-server.js';

export interface StreamingRpcs {
  /** `signal`: the gRPC call was cancelled; the process is killed. */
  execSync(request: ExecSyncRequest, signal?: AbortSignal): Promise<ExecSyncResponse>;
  exec(request: ExecRequest): Promise<ExecResponse>;
  attach(request: AttachRequest): Promise<AttachResponse>;
  portForward(request: PortForwardRequest): Promise<PortForwardResponse>;
}

export interface StreamingRpcOptions {
  containers: ContainerLookup;
  tasks: ExecTasks;
  server: Pick<StreamingServer, 'getExec' | 'getAttach' | 'getPortForward'>;
  /** The sandbox of an id or unique prefix. */
  sandbox(id: string): SandboxRecord | undefined;
}

export function streamingRpcs(options: StreamingRpcOptions): StreamingRpcs {
  const { containers, server } = options;
  return {
    execSync: (request, signal) => execSync(containers, options.tasks, request, signal),
    async exec(request) {
      const container = await containers(request.containerId).catch((err: unknown) => {
        throw wrapError(err, `failed to find container ${JSON.stringify(request.containerId)} in store`);
      });
      requireRunning(container);
      return server.getExec({ ...request, containerId: container.id });
    },
    async attach(request) {
      const container = await containers(request.containerId).catch((err: unknown) => {
        throw wrapError(err, 'failed to find container in store');
      });
      requireRunning(container);
      return server.getAttach({ ...request, containerId: container.id });
    },
    async portForward(request) {
      const record = options.sandbox(request.podSandboxId);
      if (!record) throw new CeError('NotFound', `failed to find sandbox ${JSON.stringify(request.podSandboxId)}: not found`);
      if (record.state !== 'ready') throw new CeError('Unknown', 'sandbox container is not running');
      return server.getPortForward({ ...request, podSandboxId: record.id });
    },
  };
}
