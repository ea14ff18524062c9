// `ce container …`: the management form of the container commands, as `docker container`.
// Each verb is registered by the same function as its top-level twin, so options and
// behaviour cannot drift apart.
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { registerAttach } from './attach.js';
import { registerCreate } from './create.js';
import { registerContainerInspect } from './inspect.js';
import { registerExec } from './exec.js';
import { registerKill } from './kill.js';
import { registerLogs } from './logs.js';
import { registerPs } from './ps.js';
import { registerRename } from './rename.js';
import { registerRestart } from './restart.js';
import { registerRm } from './rm.js';
import { registerRun } from './run.js';
import { registerStart } from './start.js';
import { registerStop } from './stop.js';
import { registerWait } from './wait.js';
import { registerPause, registerUnpause } from './pause.js';
import { registerStats } from './stats.js';
import { registerTop } from './top.js';
import { registerCp } from './cp.js';
import { registerDiff } from './diff.js';
import { registerUpdate } from './update.js';
import { registerPort } from './port.js';
import { registerContainerPrune } from './container-prune.js';
import { registerCommit } from './commit.js';
import { registerExport } from './export.js';

export function registerContainer(program: Command, connect: () => Connection): void {
  // run and create pass the container's own options through, which commander allows only
  // under a parent that parses options positionally.
  const container = program.command('container').description('Manage containers').usage('COMMAND').enablePositionalOptions();
  registerAttach(container, connect);
  registerCreate(container, connect);
  registerContainerInspect(container, connect);
  registerExec(container, connect);
  registerKill(container, connect);
  registerLogs(container, connect);
  registerPs(container, connect);
  // `ce container ls` is `ce ps`; docker accepts ps and list too.
  container.commands.find((c) => c.name() === 'ps')!.name('ls').aliases(['list', 'ps']);
  registerRename(container, connect);
  registerRestart(container, connect);
  registerRm(container, connect);
  registerRun(container, connect);
  registerStart(container, connect);
  registerStop(container, connect);
  registerWait(container, connect);
  registerPause(container, connect);
  registerUnpause(container, connect);
  registerTop(container, connect);
  registerStats(container, connect);
  registerCp(container, connect);
  registerDiff(container, connect);
  registerUpdate(container, connect);
  registerPort(container, connect);
  registerContainerPrune(container, connect);
  registerCommit(container, connect);
  registerExport(container, connect);
  for (const cmd of container.commands) cmd.exitOverride();
  container.exitOverride();
}
