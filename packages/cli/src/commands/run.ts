import { unary } from '@ce/protocol';
import type { Command } from 'commander';
import { attachedStart, AttachedStartError } from '../attached-start.js';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR, startFailureExitCode, withPeriod } from '../errors.js';
import { checkInputIsTty, detachKeyBytes } from '../terminal-io.js';
import { attachStreams, type AttachStreams } from '../attach-flag.js';
import { addCreateFlags, createContainer, type CreateFlags } from '../create-options.js';
import { collect } from '../output.js';
import { mark } from '../timings.js';

interface RunOptions extends CreateFlags {
  detach?: boolean;
  detachKeys?: string;
  attach: string[];
}

export function registerRun(program: Command, connect: () => Connection): void {
  const cmd = program
    .command('run')
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addCreateFlags(cmd)
    .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', collect, [])
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .helpOption('--help', 'Print usage')
    .action(async (image: string, command: string[], opts: RunOptions) => {
      mark('parsed');
      process.exitCode = await run(connect(), image, command, opts);
    });
}

async function run(conn: Connection, image: string, command: string[], opts: RunOptions): Promise<number> {
  // As docker run: a container that was created but could not start gets the daemon's error alone, no usage hint.
  const failStart = (err: unknown, code = EXIT_ENGINE_ERROR) => new CliExit(code, withPeriod(daemonErrorMessage(err, conn.target)));
  if (!opts.detach) {
    checkInputIsTty(!!opts.tty, !!opts.interactive);
    if (opts.interactive) detachKeyBytes(opts.detachKeys);
  }
  let streams: AttachStreams;
  try {
    streams = attachStreams(opts.attach, { interactive: !!opts.interactive, detach: !!opts.detach });
  } catch (err) {
    throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce run --help'.`);
  }
  const created = await createContainer(conn, 'run', image, command, opts, streams);
  mark('created');
  const id = created.id;
  for (const w of created.warnings) process.stderr.write(`WARNING: ${w}\n`);

  if (opts.detach) {
    try {
      await unary((cb) => conn.containers.start({ id }, cb), conn.target);
    } catch (err) {
      throw failStart(err, startFailureExitCode(err));
    }
    process.stdout.write(`${id}\n`);
    return 0;
  }

  try {
    return await attachedStart(conn, id, { stdin: streams.stdin && !!opts.interactive, streams, removed: !!opts.rm, tty: !!opts.tty, detachKeys: opts.detachKeys });
  } catch (err) {
    if (err instanceof AttachedStartError) throw failStart(err.daemonError, err.exitCode);
    throw err;
  }
}
