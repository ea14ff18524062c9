// Every top-level command of ce, in the order `ce --help` lists them, with
// the function that registers it.
import type { Command } from 'commander';
import type { Connection } from './connection.js';
import { registerContainer } from './commands/container.js';
import { registerAttach } from './commands/attach.js';
import { registerExec } from './commands/exec.js';
import { registerImage } from './commands/image.js';
import { registerImages } from './commands/images.js';
import { registerLoad } from './commands/load.js';
import { registerBuild } from './commands/build.js';
import { registerBuilder } from './commands/builder.js';
import { registerRmi } from './commands/rmi.js';
import { registerSave } from './commands/save.js';
import { registerSystem } from './commands/system.js';
import { registerTag } from './commands/tag.js';
import { registerKill } from './commands/kill.js';
import { registerRestart } from './commands/restart.js';
import { registerStart } from './commands/start.js';
import { registerStop } from './commands/stop.js';
import { registerWait } from './commands/wait.js';
import { registerRename } from './commands/rename.js';
import { registerLogs } from './commands/logs.js';
import { registerEvents } from './commands/events.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';
import { registerPs } from './commands/ps.js';
import { registerPull } from './commands/pull.js';
import { registerPush } from './commands/push.js';
import { registerRm } from './commands/rm.js';
import { registerRun } from './commands/run.js';
import { registerCreate } from './commands/create.js';
import { registerInfo } from './commands/info.js';
import { registerInspect } from './commands/inspect.js';
import { registerVersion } from './commands/version.js';
import { registerPause, registerUnpause } from './commands/pause.js';
import { registerStats } from './commands/stats.js';
import { registerTop } from './commands/top.js';
import { registerCp } from './commands/cp.js';
import { registerDiff } from './commands/diff.js';
import { registerUpdate } from './commands/update.js';
import { registerNetwork } from './commands/network.js';
import { registerPort } from './commands/port.js';
import { registerVolume } from './commands/volume.js';
import { registerSearch } from './commands/search.js';
import { registerCommit } from './commands/commit.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';

export type RegisterCommand = (program: Command, connect: () => Connection) => void;

/** name → register function; each registers that one command (and its subcommands). */
export const COMMANDS: ReadonlyArray<readonly [name: string, register: RegisterCommand]> = [
  ['run', registerRun],
  ['create', registerCreate],
  ['ps', registerPs],
  ['rm', registerRm],
  ['kill', registerKill],
  ['start', registerStart],
  ['stop', registerStop],
  ['restart', registerRestart],
  ['wait', registerWait],
  ['rename', registerRename],
  ['logs', registerLogs],
  ['images', registerImages],
  ['search', registerSearch],
  ['pull', registerPull],
  ['push', registerPush],
  ['login', registerLogin],
  ['logout', registerLogout],
  ['exec', registerExec],
  ['attach', registerAttach],
  ['container', registerContainer],
  ['image', registerImage],
  ['load', registerLoad],
  ['save', registerSave],
  ['tag', registerTag],
  ['rmi', registerRmi],
  ['system', registerSystem],
  ['version', registerVersion],
  ['info', registerInfo],
  ['events', registerEvents],
  ['inspect', registerInspect],
  ['volume', registerVolume],
  ['pause', registerPause],
  ['unpause', registerUnpause],
  ['top', registerTop],
  ['stats', registerStats],
  ['cp', registerCp],
  ['diff', registerDiff],
  ['update', registerUpdate],
  ['network', registerNetwork],
  ['port', registerPort],
  ['commit', registerCommit],
  ['export', registerExport],
  ['history', registerHistory],
  ['import', registerImport],
  ['build', registerBuild],
  ['builder', registerBuilder],
];

/**
 * The command a command line names, if it names one of COMMANDS right after
 * ce's own options (-H/--host and --namespace; enablePositionalOptions keeps
 * them before the command). Anything else (no command, --help, an unknown
 * option or command) is undefined: then every command is registered.
 */
export function namedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-H' || a === '--host' || a === '--namespace') i++;
    else if (a.startsWith('--host=') || a.startsWith('--namespace=') || (a.startsWith('-H') && a.length > 2)) continue;
    else if (a.startsWith('-')) return undefined;
    else return COMMANDS.some(([name]) => name === a) ? a : undefined;
  }
  return undefined;
}

/**
 * Registers the command the command line names, alone, or every command:
 * commander builds each command's options when it is registered, some 100
 * for `run` and `create`, 5-15 ms of each start under load (decision 0048),
 * while a command line runs one. `ce --help`, `ce help` and a command ce
 * does not know still see them all.
 */
export function registerCommands(program: Command, connect: () => Connection, args: readonly string[]): void {
  const named = namedCommand(args);
  for (const [name, register] of COMMANDS) if (!named || name === named) register(program, connect);
}
