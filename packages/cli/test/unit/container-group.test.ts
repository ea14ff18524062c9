import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAttach } from '../../src/commands/attach.js';
import { registerContainer } from '../../src/commands/container.js';
import { registerExec } from '../../src/commands/exec.js';
import { registerCreate } from '../../src/commands/create.js';
import { registerKill } from '../../src/commands/kill.js';
import { registerLogs } from '../../src/commands/logs.js';
import { registerPs } from '../../src/commands/ps.js';
import { registerRename } from '../../src/commands/rename.js';
import { registerRestart } from '../../src/commands/restart.js';
import { registerRm } from '../../src/commands/rm.js';
import { registerRun } from '../../src/commands/run.js';
import { registerStart } from '../../src/commands/start.js';
import { registerStop } from '../../src/commands/stop.js';
import { registerWait } from '../../src/commands/wait.js';
import type { Connection } from '../../src/connection.js';
import { registerPause, registerUnpause } from '../../src/commands/pause.js';
import { registerStats } from '../../src/commands/stats.js';
import { registerTop } from '../../src/commands/top.js';
import { registerUpdate } from '../../src/commands/update.js';
import { registerPort } from '../../src/commands/port.js';
import { registerCommit } from '../../src/commands/commit.js';
import { registerExport } from '../../src/commands/export.js';
import { registerCp } from '../../src/commands/cp.js';
import { registerDiff } from '../../src/commands/diff.js';

const connect = (): Connection => {
  throw new Error('no daemon in unit tests');
};

function programWithContainerGroup(): Command {
  const program = new Command('ce').enablePositionalOptions().exitOverride();
  for (const register of [registerRun, registerCreate, registerPs, registerRm, registerKill, registerStart, registerStop, registerRestart, registerWait, registerLogs, registerExec, registerAttach, registerRename]) {
    register(program, connect);
  }
  for (const register of [registerPause, registerUnpause, registerTop, registerStats, registerUpdate, registerPort, registerCommit, registerExport, registerCp, registerDiff]) {
    register(program, connect);
  }
  registerContainer(program, connect);
  return program;
}

/** What a user can type and see of a command: its options, arguments and description. */
function shape(cmd: Command) {
  return {
    description: cmd.description(),
    usage: cmd.usage(),
    options: cmd.options.map((o) => ({ flags: o.flags, description: o.description, default: o.defaultValue, negate: o.negate })),
    arguments: cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
  };
}

const verbs: [groupVerb: string, topLevel: string][] = [
  ['ls', 'ps'],
  ['run', 'run'],
  ['create', 'create'],
  ['start', 'start'],
  ['stop', 'stop'],
  ['restart', 'restart'],
  ['rename', 'rename'],
  ['kill', 'kill'],
  ['rm', 'rm'],
  ['wait', 'wait'],
  ['logs', 'logs'],
  ['exec', 'exec'],
  ['attach', 'attach'],
  ['pause', 'pause'],
  ['unpause', 'unpause'],
  ['top', 'top'],
  ['stats', 'stats'],
  ['update', 'update'],
  ['port', 'port'],
  ['commit', 'commit'],
  ['export', 'export'],
  ['cp', 'cp'],
  ['diff', 'diff'],
];

describe('ce container …', () => {
  const program = programWithContainerGroup();
  const group = program.commands.find((c) => c.name() === 'container')!;
  const top = (name: string) => program.commands.find((c) => c.name() === name)!;
  const sub = (name: string) => group.commands.find((c) => c.name() === name || c.aliases().includes(name));

  it('has exactly the container verbs', () => {
    expect(group.commands.map((c) => c.name()).sort()).toEqual([...verbs.map(([v]) => v), 'inspect', 'prune'].sort());
  });

  it('has inspect for containers only: --format and --size, no --type', () => {
    expect(sub('inspect')!.options.map((o) => o.flags)).toEqual(['-f, --format <string>', '-s, --size']);
  });

  it.each(verbs)('container %s takes the same options and arguments as ce %s', (groupVerb, topLevel) => {
    expect(shape(sub(groupVerb)!)).toEqual(shape(top(topLevel)));
  });

  it('knows ls also as list and ps, as docker does', () => {
    expect(sub('list')).toBe(sub('ls'));
    expect(sub('ps')).toBe(sub('ls'));
  });

  it('passes the options after the image to the container, as ce run does', async () => {
    // Parsing stops at the image; `-a` would otherwise be refused as run's own option.
    const run = sub('run')!;
    let seen: { image?: string; command?: string[] } = {};
    run.action((image: string, command: string[]) => {
      seen = { image, command };
    });
    await program.parseAsync(['container', 'run', '--rm', 'busybox', 'ls', '-a'], { from: 'user' });
    expect(seen).toEqual({ image: 'busybox', command: ['ls', '-a'] });
  });
});
