import { clientAttach, unary, type AttachSession } from '@ce/protocol';
import { WaitCondition, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR, startFailureExitCode, withPeriod } from '../errors.js';
import { addCreateFlags, createContainer, type CreateFlags } from '../create-options.js';
import { pumpOutput } from '../output.js';

interface RunOptions extends CreateFlags {
  detach?: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export function registerRun(program: Command, connect: () => Connection): void {
  const cmd = program
    .command('run')
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addCreateFlags(cmd)
    .option('-d, --detach', 'Run container in background and print container ID')
    .helpOption('--help', 'Print usage')
    .action(async (image: string, command: string[], opts: RunOptions) => {
      process.exitCode = await run(connect(), image, command, opts);
    });
}

async function run(conn: Connection, image: string, command: string[], opts: RunOptions): Promise<number> {
  const fail = (err: unknown, code = EXIT_ENGINE_ERROR) => new CliExit(code, `${withPeriod(daemonErrorMessage(err, conn.target))}\nSee 'ce run --help'.`);
  const created = await createContainer(conn, 'run', image, command, opts);
  const id = created.id;
  for (const w of created.warnings) process.stderr.write(`WARNING: ${w}\n`);

  if (opts.detach) {
    try {
      await unary((cb) => conn.containers.start({ id }, cb), conn.target);
    } catch (err) {
      throw fail(err, startFailureExitCode(err));
    }
    process.stdout.write(`${id}\n`);
    return 0;
  }

  // As docker run does: attach and wait first, then start, so no output is lost.
  const session: AttachSession = clientAttach(conn.containers.attach(), { id, stdin: !!opts.interactive, stdout: true, stderr: true }, conn.target);
  try {
    await session.ready;
  } catch (err) {
    throw fail(err);
  }
  const condition = opts.rm ? WaitCondition.WAIT_CONDITION_REMOVED : WaitCondition.WAIT_CONDITION_NEXT_EXIT;
  const exited = unary<WaitContainerResponse>((cb) => conn.containers.wait({ id, condition }, cb), conn.target);
  exited.catch(() => undefined);
  const pumping = pumpOutput(session.output, process.stdout, process.stderr);
  pumping.catch(() => undefined); // its failure is reported where it is awaited
  if (opts.interactive) forwardStdin(session);

  try {
    await unary((cb) => conn.containers.start({ id }, cb), conn.target);
  } catch (err) {
    session.close();
    throw fail(err, startFailureExitCode(err));
  }

  const forward = (signal: string) => () => {
    conn.containers.kill({ id, signal }, () => undefined);
  };
  const handlers = FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    await pumping;
    const result = await exited;
    return result.exitCode;
  } catch (err) {
    throw fail(err);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    process.stdin.pause();
  }
}

function forwardStdin(session: AttachSession): void {
  process.stdin.on('data', (data: Buffer) => session.writeStdin(data));
  process.stdin.on('end', () => session.closeStdin());
}
