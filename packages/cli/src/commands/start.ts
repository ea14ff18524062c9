import { unary } from '@ce/protocol';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import { attachedStart, AttachedStartError } from '../attached-start.js';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { checkInputIsTty, detachKeyBytes } from '../terminal-io.js';

interface StartOptions {
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

export function registerStart(program: Command, connect: () => Connection): void {
  program
    .command('start')
    .description('Start one or more stopped containers')
    .argument('<container...>')
    .option('-a, --attach', "Attach STDOUT/STDERR and forward signals")
    .option('-i, --interactive', "Attach container's STDIN")
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .action(async (refs: string[], opts: StartOptions) => {
      const conn = connect();
      if (opts.attach || opts.interactive) process.exitCode = await startAttached(conn, refs, !!opts.interactive, opts.detachKeys);
      else await startDetached(conn, refs);
    });
}

/** docker start: each container in turn, its name printed once started; the failures listed at the end. */
async function startDetached(conn: Connection, refs: string[]): Promise<void> {
  const failed: string[] = [];
  for (const id of refs) {
    try {
      await unary((cb) => conn.containers.start({ id }, cb), conn.target);
      process.stdout.write(`${id}\n`);
    } catch (err) {
      process.stderr.write(`${daemonErrorMessage(err, conn.target)}\n`);
      failed.push(id);
    }
  }
  if (failed.length) throw new CliExit(1, `Error: failed to start containers: ${failed.join(', ')}`);
}

/** docker start -a/-i: one container, attached, the command ending with its exit code. */
async function startAttached(conn: Connection, refs: string[], stdin: boolean, detachKeys: string | undefined): Promise<number> {
  if (refs.length > 1) throw new CliExit(1, 'you cannot start and attach multiple containers at once');
  let container: Container;
  try {
    container = await unary<Container>((cb) => conn.containers.inspect({ id: refs[0]! }, cb), conn.target);
  } catch (err) {
    // As docker start -a: its inspect says "Error: No such container: x" without the daemon prefix.
    throw new CliExit(1, daemonErrorMessage(err, conn.target).replace(/^Error response from daemon: (No such container: )/, 'Error: $1'));
  }
  try {
    checkInputIsTty(container.tty, stdin);
    if (stdin) detachKeyBytes(detachKeys);
    return await attachedStart(conn, container.id, { stdin, removed: container.autoRemove, tty: container.tty, detachKeys });
  } catch (err) {
    if (err instanceof AttachedStartError) throw new CliExit(1, daemonErrorMessage(err.daemonError, conn.target));
    throw err;
  }
}
