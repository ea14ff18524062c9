// `ce system …`.
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { registerSystemDf } from './system-df.js';
import { registerSystemPrune } from './system-prune.js';

export function registerSystem(program: Command, connect: () => Connection): void {
  const system = program.command('system').description('Manage ce').usage('COMMAND');
  registerSystemDf(system, connect);
  registerSystemPrune(system, connect);
  for (const cmd of system.commands) cmd.exitOverride();
  system.exitOverride();
}
