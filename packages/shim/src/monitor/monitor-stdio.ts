import { connect, type Socket } from 'node:net';
import { failedPrecondition, internal, OutputQueue, outputFlow, type AttachOptions, type AttachSession, type OutputChunk } from '@ce/protocol';
import type { TaskStdio } from '../io/stdio-hub.js';
import { monitorRequest } from './monitor-client.js';

const STREAMS = { 1: 'stdout', 2: 'stderr' } as const;

/**
 * A task's stdio when ce-monitor holds it (decision 0029): the monitor writes
 * the log itself, so the shim copies nothing unless someone attaches; each
 * attach is its own connection to the monitor's socket, which sends Docker's
 * stdcopy frames after an empty frame of stream 0 (attached) and takes stdin
 * as length-prefixed frames, an empty one closing it.
 */
export class MonitorStdio implements TaskStdio {
  constructor(
    private readonly socket: string,
    /** Resolves once the monitor reported the container's output drained and exited. */
    private readonly done: Promise<void>,
  ) {}

  whenDrained(): Promise<void> {
    return this.done;
  }

  abandon(): void {
    // The monitor ends its sessions itself when the process never runs.
  }

  /** Resolves once the monitor answered (input typed after it sees the new size). */
  async resize(width: number, height: number): Promise<void> {
    if (width > 0 && height > 0) await this.request(`resize ${width} ${height}`);
  }

  async closeStdin(): Promise<void> {
    await this.request('close-stdin');
  }

  /**
   * The monitor closes the task's log file and opens its path again (the kubelet renamed it:
   * ReopenContainerLog); resolves once lines go to the new file.
   */
  async reopenLog(id: string): Promise<void> {
    const answer = await monitorRequest(this.socket, 'reopen').catch((err: Error) => {
      // Its container's supervision is gone (as containerd's "container is not running"), not the shim: not Unavailable,
      // which the supervisor reads as a dead shim.
      throw failedPrecondition(`reopening the log of task ${id}: its ce-monitor cannot be reached: ${err.message}`);
    });
    if (answer === 'ok\n') return;
    const why = answer.startsWith('error ') ? answer.slice(6).trim() : `no answer (${JSON.stringify(answer)})`;
    if (why === 'the container has no log file') throw failedPrecondition(`task ${id} has no log file`);
    throw internal(`reopening the log of task ${id}: ${why}`);
  }

  /** A one-line request; a gone monitor has nothing left to resize or close. */
  private async request(line: string): Promise<void> {
    await monitorRequest(this.socket, line).catch(() => undefined);
  }

  attach(options: AttachOptions): AttachSession {
    let socket: Socket | undefined;
    const queue = new OutputQueue<OutputChunk>(
      outputFlow(
        () => socket?.pause(),
        () => socket?.resume(),
      ),
    );
    let attached!: () => void;
    const ready = new Promise<void>((resolve) => (attached = resolve));
    let pending: Buffer = Buffer.alloc(0);
    // Written at once: writes wait in order for the connection, so stdin never goes before the request.
    socket = connect(this.socket);
    socket.write(`attach ${+options.stdin} ${+options.stdout} ${+options.stderr}\n`);
    socket.on('data', (data: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      let at = 0;
      while (pending.length - at >= 8) {
        const len = pending.readUInt32BE(at + 4);
        if (pending.length - at - 8 < len) break;
        const stream = pending[at]!;
        if (stream === 0) attached();
        else if (stream in STREAMS) queue.push({ stream: STREAMS[stream as 1 | 2], data: Buffer.from(pending.subarray(at + 8, at + 8 + len)) });
        at += 8 + len;
      }
      pending = pending.subarray(at);
    });
    const ended = () => {
      // A monitor that is gone (its container exited and its output drained) has no more output.
      attached();
      queue.end();
    };
    socket.on('error', ended);
    socket.on('close', ended);
    return {
      ready,
      output: queue,
      writeStdin: (data) => {
        if (options.stdin && data.length && socket && !socket.destroyed) socket.write(Buffer.concat([frameHeader(data.length), data]));
      },
      closeStdin: () => {
        if (options.stdin && socket && !socket.destroyed) socket.write(frameHeader(0));
      },
      resize: (width, height) => void this.resize(width, height),
      close: () => {
        socket?.destroy();
        queue.end();
      },
    };
  }
}

function frameHeader(length: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length);
  return head;
}
