#!/usr/bin/env node
// ce: the command-line client of ced.
import { DEFAULT_NAMESPACE } from '@ce/protocol';
import { Command, CommanderError } from 'commander';
import { Connection, daemonSocket } from '../connection.js';
import { CliExit } from '../errors.js';
import { registerCommands } from '../command-table.js';
import { exitQuietlyOnBrokenPipe } from '../broken-pipe.js';
import { mark } from '../timings.js';

mark('loaded');

const program = new Command('ce')
  .description('A self-sufficient runtime for containers')
  .usage('[OPTIONS] COMMAND')
  .option('-H, --host <socket>', 'Daemon socket to connect to (default $CE_HOST or /run/ce/ce.sock)')
  .option('--namespace <name>', 'Namespace to look into: ce users\' is "default"; another one (the CRI\'s k8s.io) only with ps')
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

let connection: Connection | undefined;
const connect = () => (connection ??= new Connection(daemonSocket(program.opts<{ host?: string }>().host)));

registerCommands(program, connect, process.argv.slice(2));
// Another namespace's containers are its owner's (the CRI's, the builder's): ce only lists them.
program.hook('preAction', (_program, action) => {
  const { namespace } = program.opts<{ namespace?: string }>();
  if (namespace === undefined || namespace === DEFAULT_NAMESPACE) return;
  const lists = (action.name() === 'ps' && action.parent === program) || (action.name() === 'ls' && action.parent?.name() === 'container' && action.parent.parent === program);
  if (!lists) throw new CliExit(125, `--namespace ${namespace}: only \`ce ps\` looks into another namespace; its containers are managed by their owner`);
});
for (const cmd of program.commands) cmd.exitOverride();
exitQuietlyOnBrokenPipe();

/**
 * `ce compose` (its YAML parser and Compose schema are a third of the bundle)
 * is loaded only for a command line that names it: esbuild keeps a module
 * reached by import() uninitialised until then, so other commands do not pay
 * for it at start-up. Otherwise a stand-in lists it in `ce --help`.
 */
async function registerComposeWhenAsked(): Promise<void> {
  if (process.argv.slice(2).includes('compose')) {
    const { registerCompose } = await import('../compose/commands/register.js');
    registerCompose(program, connect);
  } else {
    program.command('compose').description('Define and run multi-container applications (docker-compose 1.29)');
  }
}

// No top-level await: the bundle is CommonJS so that its loader can hand V8 a
// code cache for it (docs/decisions/0033).
async function main(): Promise<void> {
  try {
    await registerComposeWhenAsked();
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`ce: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof CommanderError) {
      // help and version exit 0; usage errors exit 125 as docker's do.
      process.exitCode = err.exitCode === 0 ? 0 : 125;
    } else {
      process.stderr.write(`ce: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 125;
    }
  } finally {
    connection?.close();
  }
  // The command is done: end the process now rather than when the event loop
  // empties, which also frees the whole heap first (~half of a Node process's
  // exit time; docs/decisions/0048). Output still queued goes the slow way.
  if (!process.stdout.writableLength && !process.stderr.writableLength) process.exit();
}

void main();
