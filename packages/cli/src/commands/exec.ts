import { clientAttach, CeError, unary } from '@ce/protocol';
import type { CreateExecResponse, ExecInspect } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_CANNOT_INVOKE } from '../errors.js';
import { collect, pumpOutput } from '../output.js';
import { checkInputIsTty, connectTerminalIo, DETACHED, detachKeyBytes, localTerminalSize } from '../terminal-io.js';
import { userOptionProblem } from '../user-option.js';

export interface ExecOptions {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  user?: string;
  workdir?: string;
  detachKeys?: string;
}

export function registerExec(program: Command, connect: () => Connection): void {
  program
    .command('exec')
    .description('Run a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    .argument('[container]')
    .argument('[command...]')
    .passThroughOptions()
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-e, --env <KEY=VALUE>', 'Set environment variables', collect, [])
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <name|uid[:group|gid]>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .action(async (container: string | undefined, command: string[], opts: ExecOptions) => {
      if (!container || command.length === 0) {
        throw new CliExit(1, `"ce exec" requires at least 2 arguments.\nSee 'ce exec --help'.\n\nUsage:  ce exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nRun a command in a running container`);
      }
      process.exitCode = await exec(connect(), container, command, opts);
    });
}

function refusal(err: unknown, conn: Connection): CliExit {
  // As docker exec's own inspect says it.
  if (err instanceof CeError && err.code === 'NotFound' && /^No such container: /.test(err.message)) return new CliExit(1, `Error: ${err.message}`);
  return new CliExit(1, daemonErrorMessage(err, conn.target));
}

export async function exec(conn: Connection, container: string, command: string[], opts: ExecOptions): Promise<number> {
  const userProblem = opts.user ? userOptionProblem(opts.user) : null;
  if (userProblem) throw new CliExit(1, `Error response from daemon: ${userProblem}`);
  const detach = !!opts.detach;
  const stdin = !!opts.interactive && !detach;
  const tty = !!opts.tty;
  if (!detach) checkInputIsTty(tty, stdin);
  if (opts.detachKeys !== undefined) detachKeyBytes(opts.detachKeys);
  const env = opts.env.map((e) => (e.includes('=') ? e : process.env[e] !== undefined ? `${e}=${process.env[e]}` : e));
  let created: CreateExecResponse;
  try {
    created = await unary<CreateExecResponse>(
      (cb) =>
        conn.containers.createExec(
          {
            id: container,
            cmd: command,
            env,
            user: opts.user ?? '',
            workingDir: opts.workdir ?? '',
            tty,
            attachStdin: stdin,
            attachStdout: !detach,
            attachStderr: !detach,
            detachKeys: opts.detachKeys ?? '',
            consoleSize: tty ? localTerminalSize() : undefined,
          },
          cb,
        ),
      conn.target,
    );
  } catch (err) {
    throw refusal(err, conn);
  }
  const execId = created.id;

  if (detach) {
    try {
      await unary((cb) => conn.containers.startExec({ execId, detach: true }, cb), conn.target);
    } catch (err) {
      throw new CliExit(1, daemonErrorMessage(err, conn.target));
    }
    return 0;
  }

  const session = clientAttach(conn.containers.attach(), { id: container, execId, stdin, stdout: true, stderr: true }, conn.target);
  try {
    await session.ready;
  } catch (err) {
    throw refusal(err, conn);
  }
  const pumping = pumpOutput(session.output, process.stdout, process.stderr);
  pumping.catch(() => undefined);
  const io = connectTerminalIo(session, { tty, stdin, detachKeys: opts.detachKeys, closeStdinOnEnd: true });
  try {
    try {
      await unary((cb) => conn.containers.startExec({ execId, detach: false }, cb), conn.target);
    } catch (err) {
      session.close();
      if (err instanceof CeError && err.code === 'Unavailable') throw new CliExit(1, daemonErrorMessage(err, conn.target));
      // As Docker's daemon does, the reason goes to the exec's output stream, and the exit code is 126.
      process.stdout.write(`${(err as Error).message}\r\n`);
      return EXIT_CANNOT_INVOKE;
    }
    const detached = await Promise.race([pumping.then(() => false), io.detached.then(() => true)]);
    if (detached) {
      session.close();
      // As docker exec: detaching is reported, and the command fails.
      throw DETACHED;
    }
    const inspect = await unary<ExecInspect>((cb) => conn.containers.inspectExec({ execId, wait: true }, cb), conn.target);
    return inspect.exitCode;
  } finally {
    io.stop();
  }
}
