import { clientAttach, unary } from '@ce/protocol';
import { WaitCondition, type Container, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { pumpOutput } from '../output.js';
import { checkInputIsTty, connectTerminalIo, DETACHED, detachKeyBytes } from '../terminal-io.js';

interface AttachOptions {
  stdin: boolean;
  detachKeys?: string;
  sigProxy: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export function registerAttach(program: Command, connect: () => Connection): void {
  program
    .command('attach')
    .description("Attach local standard input, output, and error streams to a running container")
    .usage('[OPTIONS] CONTAINER')
    .argument('<container>')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--no-sig-proxy', 'Do not proxy received signals to the process (non-TTY mode only)')
    .action(async (ref: string, opts: AttachOptions) => {
      process.exitCode = await attach(connect(), ref, opts);
    });
}

async function attach(conn: Connection, ref: string, opts: AttachOptions): Promise<number> {
  let container: Container;
  try {
    container = await unary<Container>((cb) => conn.containers.inspect({ id: ref }, cb), conn.target);
  } catch (err) {
    throw new CliExit(1, daemonErrorMessage(err, conn.target).replace(/^Error response from daemon: (No such container: )/, 'Error: $1'));
  }
  if (container.state?.status === 'paused') throw new CliExit(1, 'You cannot attach to a paused container, unpause it first');
  if (!container.state?.running) throw new CliExit(1, 'You cannot attach to a stopped container, start it first');
  // As docker attach: stdin only if the container keeps it open (created with -i).
  const stdin = opts.stdin && keepsStdinOpen(container);
  checkInputIsTty(container.tty, stdin);
  if (stdin) detachKeyBytes(opts.detachKeys);
  const id = container.id;
  const session = clientAttach(conn.containers.attach(), { id, stdin, stdout: true, stderr: true }, conn.target);
  try {
    await session.ready;
  } catch (err) {
    throw new CliExit(1, daemonErrorMessage(err, conn.target));
  }
  let waitCall: { cancel(): void } | undefined;
  const exited = unary<WaitContainerResponse>(
    (cb) => (waitCall = conn.containers.wait({ id, condition: WaitCondition.WAIT_CONDITION_NOT_RUNNING }, cb)),
    conn.target,
  );
  exited.catch(() => undefined);
  const pumping = pumpOutput(session.output, process.stdout, process.stderr);
  pumping.catch(() => undefined);
  // Another client may close the container's stdin; this one leaves it open when its own input ends.
  const io = connectTerminalIo(session, { tty: container.tty, stdin, detachKeys: opts.detachKeys, closeStdinOnEnd: false });
  io.resize();
  const forward = (signal: string) => () => conn.containers.kill({ id, signal }, () => undefined);
  const handlers = opts.sigProxy && !container.tty ? FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const) : [];
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const detached = await Promise.race([pumping.then(() => false), io.detached.then(() => true)]);
    if (detached) {
      session.close();
      waitCall?.cancel();
      // As docker attach: detaching is reported, and the command fails.
      throw DETACHED;
    }
    return (await exited).exitCode;
  } catch (err) {
    if (err instanceof CliExit) throw err;
    throw new CliExit(1, daemonErrorMessage(err, conn.target));
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    io.stop();
  }
}

/** Config.OpenStdin of the container's Docker JSON. */
function keepsStdinOpen(container: Container): boolean {
  try {
    return (JSON.parse(container.json) as { Config?: { OpenStdin?: boolean } }).Config?.OpenStdin === true;
  } catch {
    return false;
  }
}
