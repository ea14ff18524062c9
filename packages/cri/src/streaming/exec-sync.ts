// runtime.v1 ExecSync, as containerd answers it (the kubelet's exec probes):
// the command's stdout and stderr captured up to 16 MiB each (the rest is
// discarded, CVE-2022-1708), its exit code, the process killed at the timeout.
import type { ExecSyncRequest, ExecSyncResponse } from '../gen/runtime/v1/api.js';
import { wrapError } from '../wrap-error.js';
import { execInContainer, type ExecTasks } from './container-exec.js';
import { requireRunning, type ContainerLookup } from './cri-containers.js';

/** containerd's cap of each captured stream (maxStreamSize). */
export const EXEC_SYNC_MAX_STREAM = 16 * 1024 * 1024;

/** Bytes up to a cap; writes past it are dropped, and the writer goes on. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private remain: number;

  constructor(cap: number) {
    this.remain = cap;
  }

  readonly write = (data: Buffer): void => {
    if (this.remain <= 0) return;
    const kept = data.length > this.remain ? data.subarray(0, this.remain) : data;
    this.chunks.push(kept);
    this.remain -= kept.length;
  };

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export async function execSync(lookup: ContainerLookup, tasks: ExecTasks, request: ExecSyncRequest, signal?: AbortSignal): Promise<ExecSyncResponse> {
  const stdout = new CappedBuffer(EXEC_SYNC_MAX_STREAM);
  const stderr = new CappedBuffer(EXEC_SYNC_MAX_STREAM);
  try {
    const container = await lookup(request.containerId).catch((err: unknown) => {
      throw wrapError(err, `failed to find container ${JSON.stringify(request.containerId)} in store`);
    });
    requireRunning(container);
    const exitCode = await execInContainer(tasks, container, {
      cmd: request.cmd,
      tty: false,
      io: { stdout: stdout.write, stderr: stderr.write },
      timeoutSeconds: Number(request.timeout),
      ...(signal ? { signal } : {}),
    });
    return { stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode };
  } catch (err) {
    throw wrapError(err, 'failed to exec in container');
  }
}
