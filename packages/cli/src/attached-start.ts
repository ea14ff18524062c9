// The start of a container with the terminal attached, as `ce run` and `ce start -a` do it.
import { clientAttach, unary, type AttachSession } from '@ce/protocol';
import { WaitCondition, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Connection } from './connection.js';
import { startFailureExitCode } from './errors.js';
import { pumpOutput } from './output.js';
import { connectTerminalIo } from './terminal-io.js';
import { mark } from './timings.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/** Where an attached start failed: the exit code the command ends with, and the daemon's error. */
export class AttachedStartError extends Error {
  constructor(
    readonly exitCode: number | undefined,
    readonly daemonError: unknown,
  ) {
    super((daemonError as Error).message ?? String(daemonError));
  }
}

/**
 * Attaches and waits first, then starts, so that no output is lost; copies
 * the output here, forwards signals (and stdin with `stdin`) and resolves
 * with the container's exit code. `removed`: wait for the removal of a --rm container.
 */
export async function attachedStart(
  conn: Connection,
  id: string,
  options: { stdin: boolean; removed: boolean; tty?: boolean; detachKeys?: string; streams?: { stdout: boolean; stderr: boolean } },
): Promise<number> {
  const { stdout = true, stderr = true } = options.streams ?? {};
  const session: AttachSession = clientAttach(conn.containers.attach(), { id, stdin: options.stdin, stdout, stderr }, conn.target);
  try {
    await session.ready;
    mark('attached');
  } catch (err) {
    throw new AttachedStartError(undefined, err);
  }
  const condition = options.removed ? WaitCondition.WAIT_CONDITION_REMOVED : WaitCondition.WAIT_CONDITION_NEXT_EXIT;
  let waitCall: { cancel(): void } | undefined;
  const exited = unary<WaitContainerResponse>((cb) => (waitCall = conn.containers.wait({ id, condition }, cb)), conn.target);
  exited.catch(() => undefined);
  const pumping = pumpOutput(session.output, process.stdout, process.stderr);
  pumping.catch(() => undefined); // its failure is reported where it is awaited
  const io = connectTerminalIo(session, { tty: !!options.tty, stdin: options.stdin, detachKeys: options.detachKeys, closeStdinOnEnd: true });
  // Before the start: ced sizes the container's pty before its process runs.
  io.resize();

  try {
    await unary((cb) => conn.containers.start({ id }, cb), conn.target);
    mark('started');
  } catch (err) {
    io.stop();
    session.close();
    // A container that did not start has no exit to wait for (one without --rm is not removed either): the call would hold ce open.
    waitCall?.cancel();
    throw new AttachedStartError(startFailureExitCode(err), err);
  }

  const forward = (signal: string) => () => {
    conn.containers.kill({ id, signal }, () => undefined);
  };
  // With a terminal, the keys the user types are the signals (as docker run -t does not proxy them).
  const handlers = options.tty ? [] : FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const detached = await Promise.race([pumping.then(() => false), io.detached.then(() => true)]);
    mark('output-end');
    if (detached) {
      // The container runs on; only this client goes (and stops waiting for it).
      session.close();
      waitCall?.cancel();
      return 0;
    }
    const result = await exited;
    mark('exited');
    return result.exitCode;
  } catch (err) {
    throw new AttachedStartError(undefined, err);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    io.stop();
  }
}
