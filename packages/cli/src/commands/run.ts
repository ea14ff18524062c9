import { clientAttach, unary, type AttachSession } from '@ce/protocol';
import { WaitCondition, type CreateContainerResponse, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR, startFailureExitCode, withPeriod } from '../errors.js';
import { withDefaultTag } from '../image-ref.js';
import { collect, parseLabels, pumpOutput } from '../output.js';
import { userOptionProblem } from '../user-option.js';

interface RunOptions {
  rm?: boolean;
  detach?: boolean;
  name?: string;
  env: string[];
  label: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  interactive?: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export function registerRun(program: Command, connect: () => Connection): void {
  program
    .command('run')
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions()
    .option('--rm', 'Automatically remove the container when it exits')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <KEY=VALUE>', 'Set environment variables', collect, [])
    .option('-l, --label <key=value>', 'Set meta data on a container', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <name|uid[:group|gid]>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-h, --hostname <name>', 'Container host name')
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .helpOption('--help', 'Print usage')
    .action(async (image: string, command: string[], opts: RunOptions) => {
      process.exitCode = await run(connect(), image, command, opts);
    });
}

async function run(conn: Connection, image: string, command: string[], opts: RunOptions): Promise<number> {
  const fail = (err: unknown, code = EXIT_ENGINE_ERROR) => new CliExit(code, `${withPeriod(daemonErrorMessage(err, conn.target))}\nSee 'ce run --help'.`);
  const userProblem = opts.user ? userOptionProblem(opts.user) : null;
  if (userProblem) throw new CliExit(EXIT_ENGINE_ERROR, `${withPeriod(userProblem)}\nSee 'ce run --help'.`);
  const env = opts.env.map((e) => (e.includes('=') ? e : process.env[e] !== undefined ? `${e}=${process.env[e]}` : e));

  let created: CreateContainerResponse;
  try {
    created = await unary<CreateContainerResponse>(
      (cb) =>
        conn.containers.create(
          {
            name: opts.name ?? '',
            image,
            cmd: command.length ? { values: command } : undefined,
            entrypoint: opts.entrypoint !== undefined ? { values: opts.entrypoint ? [opts.entrypoint] : [] } : undefined,
            env,
            workingDir: opts.workdir ?? '',
            user: opts.user ?? '',
            hostname: opts.hostname ?? '',
            autoRemove: !!opts.rm,
            tty: false,
            openStdin: !!opts.interactive,
            labels: parseLabels(opts.label),
          },
          cb,
        ),
      conn.target,
    );
  } catch (err) {
    if (/^No such image/.test((err as Error).message ?? '')) {
      process.stderr.write(`Unable to find image '${withDefaultTag(image)}' locally\n`);
    }
    throw fail(err);
  }
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
