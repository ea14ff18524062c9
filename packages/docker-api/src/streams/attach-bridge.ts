import type { AttachSession } from '@ce/protocol';
import { DetachKeyFilter } from '@ce/protocol';
import type { HijackedStream } from '../request-context.js';
import type { OutputSink } from './output-sink.js';

export interface BridgeOptions {
  /** Forward the client's input to the process's stdin, watching it for the detach keys. */
  stdin: boolean;
  detachKeys: Buffer;
  /**
   * Docker's CloseStdin && !TTY (a container created with StdinOnce, or an
   * exec, without a terminal): the client's half-close closes the process's
   * stdin and the output goes on; otherwise it ends this attach, as dockerd's
   * attach copier does.
   */
  closeStdinOnEnd: boolean;
}

/** Why a bridged session ended: the process's output ended, the client typed the detach keys, closed its input, or went away. */
export type BridgeEnd = 'output-ended' | 'detached' | 'input-ended' | 'client-gone';

/**
 * Joins an attach session to a hijacked connection until one side ends:
 * output to the sink, the client's input to the process's stdin. The session
 * is closed (the process runs on) unless its output ended by itself.
 */
export async function bridgeSession(session: AttachSession, stream: HijackedStream, sink: OutputSink, options: BridgeOptions): Promise<BridgeEnd> {
  const cleanups: Array<() => void> = [];
  const listen = (emitter: NodeJS.EventEmitter, event: string, handler: (...args: any[]) => void) => {
    emitter.on(event, handler);
    cleanups.push(() => emitter.off(event, handler));
  };
  const ended = new Promise<BridgeEnd>((resolve) => {
    listen(stream.output, 'close', () => resolve('client-gone'));
    if (options.stdin) {
      const filter = new DetachKeyFilter(options.detachKeys);
      listen(stream.input, 'data', (data: Buffer) => {
        const { forward, detach } = filter.push(data);
        if (forward.length) session.writeStdin(forward);
        if (detach) resolve('detached');
      });
      if (stream.halfClosable) {
        listen(stream.input, 'end', () => {
          if (options.closeStdinOnEnd) session.closeStdin();
          else resolve('input-ended');
        });
      }
      stream.input.resume();
    }
    void (async () => {
      try {
        for await (const chunk of session.output) await sink.write(chunk);
      } catch {
        // ced ended the attach with an error (the container is gone): the stream ends as if the output had.
      }
      resolve('output-ended');
    })();
  });
  const end = await ended;
  for (const cleanup of cleanups) cleanup();
  if (end !== 'output-ended') session.close();
  return end;
}
