// What the streaming server's sessions do, as containerd's streamRuntime:
// exec and attach in a running container through ced's supervisor, and
// connections to a port inside a ready sandbox's network namespace.
import type { Duplex } from 'node:stream';
import { CeError } from '@ce/protocol';
import type { SandboxRecord } from '../sandbox/sandbox-store.js';
import { wrapError } from '../wrap-error.js';
import { execInContainer, type ExecTasks, type ProcessIo } from './container-exec.js';
import { requireRunning, type ContainerLookup, type CriContainer } from './cri-containers.js';
import { nonZeroExit, type CommandStatus } from './exec-status.js';
import { dialInNetns } from './netns-dialer.js';
import type { StreamingRuntime } from './streaming-server.js';

export interface StreamingRuntimeOptions {
  containers: ContainerLookup;
  tasks: ExecTasks;
  /** The sandbox record of an exact id. */
  sandbox(id: string): SandboxRecord | undefined;
  dial?: (netnsPath: string, port: number) => Promise<Duplex>;
}

export function streamingRuntime(options: StreamingRuntimeOptions): StreamingRuntime {
  const { tasks } = options;
  const dial = options.dial ?? dialInNetns;

  async function runningContainer(id: string): Promise<CriContainer> {
    const container = await options.containers(id).catch((err: unknown) => {
      throw wrapError(err, `failed to find container ${JSON.stringify(id)} in store`);
    });
    requireRunning(container);
    return container;
  }

  return {
    async exec(containerId, cmd, io, tty): Promise<CommandStatus> {
      let code: number;
      try {
        code = await execInContainer(tasks, await runningContainer(containerId), { cmd, tty, io });
      } catch (err) {
        throw wrapError(err, 'failed to exec in container');
      }
      return code === 0 ? {} : nonZeroExit(cmd, code);
    },

    async attach(containerId, io: ProcessIo, tty, clientGone): Promise<CommandStatus> {
      const container = await runningContainer(containerId);
      const session = tasks.attach({ id: container.id, stdin: io.stdin !== undefined && container.stdin, stdout: io.stdout !== undefined, stderr: io.stderr !== undefined && !tty });
      try {
        await session.ready;
        if (io.stdin && container.stdin) {
          void (async () => {
            for await (const data of io.stdin!) session.writeStdin(data);
            // Otherwise the container's stdin stays open for the next client, as containerd's StdinOnce=false.
            if (container.stdinOnce) session.closeStdin();
          })().catch(() => undefined);
        }
        if (io.resize) {
          void (async () => {
            for await (const size of io.resize!) session.resize(size.width, size.height);
          })().catch(() => undefined);
        }
        const output = (async () => {
          for await (const chunk of session.output) await (chunk.stream === 'stderr' ? io.stderr : io.stdout)?.(chunk.data);
        })();
        await Promise.race([output, clientGone]);
      } finally {
        session.close();
      }
      return {};
    },

    portForward: (sandboxId) => async (port) => {
      const record = options.sandbox(sandboxId);
      if (!record) throw new CeError('NotFound', `failed to find sandbox ${JSON.stringify(sandboxId)} in store: not found`);
      if (record.state !== 'ready') throw new CeError('Unknown', `network namespace for sandbox ${JSON.stringify(sandboxId)} is closed`);
      try {
        return await dial(record.netnsPath, port);
      } catch (err) {
        throw new CeError(
          'Unknown',
          `failed to execute portforward in network namespace ${JSON.stringify(record.netnsPath || 'host')}: failed to connect to localhost:${port} inside namespace ${JSON.stringify(sandboxId)}: ${(err as Error).message}`,
        );
      }
    },
  };
}
