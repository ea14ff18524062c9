#!/usr/bin/env node
// ce: the command-line client of ced.
import { Command, CommanderError } from 'commander';
import { Connection, daemonSocket } from '../connection.js';
import { CliExit } from '../errors.js';
import { registerContainer } from '../commands/container.js';
import { registerAttach } from '../commands/attach.js';
import { registerExec } from '../commands/exec.js';
import { registerImage } from '../commands/image.js';
import { registerImages } from '../commands/images.js';
import { registerLoad } from '../commands/load.js';
import { registerBuild } from '../commands/build.js';
import { registerBuilder } from '../commands/builder.js';
import { registerRmi } from '../commands/rmi.js';
import { registerSave } from '../commands/save.js';
import { registerSystem } from '../commands/system.js';
import { registerTag } from '../commands/tag.js';
import { registerKill } from '../commands/kill.js';
import { registerRestart } from '../commands/restart.js';
import { registerStart } from '../commands/start.js';
import { registerStop } from '../commands/stop.js';
import { registerWait } from '../commands/wait.js';
import { registerRename } from '../commands/rename.js';
import { registerLogs } from '../commands/logs.js';
import { registerEvents } from '../commands/events.js';
import { registerLogin } from '../commands/login.js';
import { registerLogout } from '../commands/logout.js';
import { registerPs } from '../commands/ps.js';
import { registerPull } from '../commands/pull.js';
import { registerPush } from '../commands/push.js';
import { registerRm } from '../commands/rm.js';
import { registerRun } from '../commands/run.js';
import { registerCreate } from '../commands/create.js';
import { registerInfo } from '../commands/info.js';
import { registerInspect } from '../commands/inspect.js';
import { registerVersion } from '../commands/version.js';
import { registerPause, registerUnpause } from '../commands/pause.js';
import { registerStats } from '../commands/stats.js';
import { registerTop } from '../commands/top.js';
import { registerCp } from '../commands/cp.js';
import { registerDiff } from '../commands/diff.js';
import { registerUpdate } from '../commands/update.js';
import { registerNetwork } from '../commands/network.js';
import { registerPort } from '../commands/port.js';
import { registerVolume } from '../commands/volume.js';
import { registerSearch } from '../commands/search.js';
import { registerCommit } from '../commands/commit.js';
import { registerExport } from '../commands/export.js';
import { registerHistory } from '../commands/history.js';
import { registerImport } from '../commands/import.js';
import { exitQuietlyOnBrokenPipe } from '../broken-pipe.js';
import { mark } from '../timings.js';

mark('loaded');

const program = new Command('ce')
  .description('A self-sufficient runtime for containers')
  .usage('[OPTIONS] COMMAND')
  .option('-H, --host <socket>', 'Daemon socket to connect to (default $CE_HOST or /run/ce/ce.sock)')
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

let connection: Connection | undefined;
const connect = () => (connection ??= new Connection(daemonSocket(program.opts<{ host?: string }>().host)));

registerRun(program, connect);
registerCreate(program, connect);
registerPs(program, connect);
registerRm(program, connect);
registerKill(program, connect);
registerStart(program, connect);
registerStop(program, connect);
registerRestart(program, connect);
registerWait(program, connect);
registerRename(program, connect);
registerLogs(program, connect);
registerImages(program, connect);
registerSearch(program, connect);
registerPull(program, connect);
registerPush(program, connect);
registerLogin(program, connect);
registerLogout(program);
registerExec(program, connect);
registerAttach(program, connect);
registerContainer(program, connect);
registerImage(program, connect);
registerLoad(program, connect);
registerSave(program, connect);
registerTag(program, connect);
registerRmi(program, connect);
registerSystem(program, connect);
registerVersion(program, connect);
registerInfo(program, connect);
registerEvents(program, connect);
registerInspect(program, connect);
registerVolume(program, connect);
registerPause(program, connect);
registerUnpause(program, connect);
registerTop(program, connect);
registerStats(program, connect);
registerCp(program, connect);
registerDiff(program, connect);
registerUpdate(program, connect);
registerNetwork(program, connect);
registerPort(program, connect);
registerCommit(program, connect);
registerExport(program, connect);
registerHistory(program, connect);
registerImport(program, connect);
registerBuild(program, connect);
registerBuilder(program, connect);
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
