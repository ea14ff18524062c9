import { isRuntimeError } from '../errors.js';
import { Runtime } from '../runtime.js';
import { flagHelp, type FlagSpec, parseArgs, UsageError } from './args.js';
import { CliError, type Command, type Context, type Globals } from './command.js';
import { create } from './commands/create.js';
import { del } from './commands/delete.js';
import { events } from './commands/events.js';
import { exec } from './commands/exec.js';
import { featuresCommand } from './commands/features.js';
import { kill } from './commands/kill.js';
import { list } from './commands/list.js';
import { pause, resume } from './commands/pause.js';
import { ps } from './commands/ps.js';
import { run } from './commands/run.js';
import { spec } from './commands/spec.js';
import { start } from './commands/start.js';
import { state } from './commands/state.js';
import { update } from './commands/update.js';
import { CliLog, type LogFormat, out, writeFd } from './output.js';
import { CE_RUNC_VERSION, SPEC_VERSION } from './version.js';

export const DEFAULT_ROOT = '/run/ce-runc';

export const COMMANDS: Command[] = [create, del, events, exec, kill, list, pause, ps, resume, run, spec, start, state, update, featuresCommand];

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'debug', type: 'bool', usage: 'enable debug logging' },
  { name: 'log', type: 'string', usage: "set the log file to write ce-runc logs to (default is '/dev/stderr')" },
  { name: 'log-format', type: 'string', usage: "set the log format ('text' (default), or 'json')", defaultText: '"text"' },
  { name: 'root', type: 'string', usage: 'root directory for storage of container state (this should be located in tmpfs)', defaultText: `"${DEFAULT_ROOT}"` },
  { name: 'criu', type: 'string', usage: 'path to the criu binary (checkpoint/restore is not supported; accepted for compatibility)' },
  { name: 'systemd-cgroup', type: 'bool', usage: 'enable systemd cgroup support (not supported: ce-runc manages cgroupfs directly)' },
  { name: 'rootless', type: 'string', usage: "ignore cgroup permission errors ('true', 'false', or 'auto')", defaultText: '"auto"' },
  { name: 'help', aliases: ['h'], type: 'bool', usage: 'show help' },
  { name: 'version', aliases: ['v'], type: 'bool', usage: 'print the version' },
];

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

export function appHelp(): string {
  const names = COMMANDS.map((c) => [c.name, ...(c.aliases ?? [])].join(', '));
  const width = Math.max(...names.map((n) => n.length));
  return `NAME:
   ce-runc - a runc-compatible OCI runtime over @ce/runtime

USAGE:
   ce-runc [global options] command [command options] [arguments...]

VERSION:
   ${CE_RUNC_VERSION}

COMMANDS:
${COMMANDS.map((c, i) => `   ${names[i]!.padEnd(width)}  ${c.description}`).join('\n')}

GLOBAL OPTIONS:
${flagHelp(GLOBAL_FLAGS)}
`;
}

export function commandHelp(c: Command): string {
  return `NAME:
   ce-runc ${c.name} - ${c.description}

USAGE:
   ce-runc ${c.name}${c.flags.length ? ' [command options]' : ''}${c.usage ? ` ${c.usage}` : ''}
${c.flags.length ? `\nOPTIONS:\n${flagHelp(c.flags)}\n` : ''}`;
}

function checkArgCount(c: Command, n: number): void {
  const { exact, min, max } = c.args;
  if (exact !== undefined && n !== exact) throw new UsageError(`ce-runc: "${c.name}" requires exactly ${exact} argument(s)`);
  if (min !== undefined && n < min) throw new UsageError(`ce-runc: "${c.name}" requires a minimum of ${min} argument(s)`);
  if (max !== undefined && n > max) throw new UsageError(`ce-runc: "${c.name}" requires a maximum of ${max} argument(s)`);
}

/** Runs ce-runc with `argv` (without node and the script); resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let log = new CliLog(undefined, 'text', false);
  let command: Command | undefined;
  try {
    const g = parseArgs(argv, GLOBAL_FLAGS, { stopAtFirstArg: true });
    const format = (g.flags['log-format'] as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`invalid log-format: ${format}`);
    log = new CliLog(g.flags.log as string | undefined, format as LogFormat, g.flags.debug === true);
    if (g.flags.version === true) {
      out(`ce-runc version ${CE_RUNC_VERSION}\nspec: ${SPEC_VERSION}\n`);
      return 0;
    }
    const [name, ...rest] = g.args;
    if (g.flags.help === true || name === undefined || name === 'help' || name === 'h') {
      const topic = name === 'help' || name === 'h' ? rest[0] : undefined;
      const c = topic ? findCommand(topic) : undefined;
      if (topic && !c) {
        log.fatal(`No help topic for '${topic}'`);
        return 3;
      }
      out(c ? commandHelp(c) : appHelp());
      return 0;
    }
    command = findCommand(name);
    if (!command) {
      log.fatal(`No help topic for '${name}'`);
      return 3;
    }
    if (g.flags['systemd-cgroup'] === true) {
      throw new CliError('--systemd-cgroup: the systemd cgroup driver is not supported by ce-runc; use cgroupfs (cgroupsPath as a path)');
    }
    if (g.flags.rootless === 'true') throw new CliError('--rootless=true: rootless containers are not supported by ce-runc yet');
    const p = parseArgs(rest, [...command.flags, { name: 'help', aliases: ['h'], type: 'bool', usage: 'show help' }], { stopAtFirstArg: command.stopAtFirstArg ?? false });
    if (p.flags.help === true) {
      out(commandHelp(command));
      return 0;
    }
    checkArgCount(command, p.args.length);
    const globals: Globals = {
      root: (g.flags.root as string | undefined) ?? DEFAULT_ROOT,
      log: g.flags.log as string | undefined,
      logFormat: format as LogFormat,
      debug: g.flags.debug === true,
    };
    let shared: Runtime | undefined;
    const ctx: Context = {
      globals,
      log,
      runtime: (opts) => {
        if (!opts) return (shared ??= new Runtime({ root: globals.root, logger: log.runtimeLogger(), trackExits: false }));
        return new Runtime({ root: globals.root, logger: log.runtimeLogger(), trackExits: opts.trackExits ?? false, noPivotRoot: opts.noPivotRoot });
      },
    };
    log.debug(`ce-runc ${command.name}`, { args: p.args });
    return await command.run(ctx, p);
  } catch (err) {
    if (err instanceof UsageError) {
      writeFd(2, `Incorrect Usage: ${err.message}\n\n${command ? commandHelp(command) : appHelp()}`);
      log.fatal(err.message);
      return 1;
    }
    log.fatal(err instanceof CliError || isRuntimeError(err) ? err.message : `${(err as Error)?.message ?? String(err)}`);
    if (!(err instanceof CliError) && !isRuntimeError(err)) log.debug('stack', { stack: (err as Error)?.stack });
    return 1;
  }
}
