// `ce compose`: docker-compose 1.29's commands over ced's own API.
import type { Command, CommanderError } from 'commander';
import { CliExit } from '../../errors.js';
import type { Connection } from '../../connection.js';
import { composeContext } from '../context.js';
import { registerBuild } from './build.js';
import { registerConfig } from './config.js';
import { registerDown } from './down.js';
import { registerExec } from './exec.js';
import { registerLogs } from './logs.js';
import { registerPs } from './ps.js';
import { registerPull } from './pull.js';
import { registerRun } from './run.js';
import { registerUp } from './up.js';

export function registerCompose(program: Command, connect: () => Connection): void {
  const group = program
    .command('compose')
    .description('Define and run multi-container applications (docker-compose 1.29)')
    .usage('[-f <arg>...] [options] COMMAND [ARGS...]')
    .option('-f, --file <file>', 'Specify an alternate compose file (default: docker-compose.yml)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-p, --project-name <name>', 'Specify an alternate project name (default: directory name)')
    .option('--project-directory <path>', 'Specify an alternate working directory (default: the path of the Compose file)')
    .option('--env-file <path>', 'Specify an alternate environment file')
    .enablePositionalOptions()
    .exitOverride(usageExit);
  const ctx = composeContext(group, connect);
  for (const register of [registerUp, registerDown, registerPs, registerLogs, registerExec, registerRun, registerPull, registerConfig, registerBuild]) {
    register(group, ctx);
  }
  for (const cmd of group.commands) cmd.exitOverride(usageExit);
}

/** docker-compose exits 1 on a usage error (commander has printed it); help still exits 0. */
function usageExit(err: CommanderError): never {
  if (err.exitCode === 0) throw err;
  throw new CliExit(1);
}
