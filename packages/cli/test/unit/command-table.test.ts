import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, namedCommand, registerCommands } from '../../src/command-table.js';
import type { Connection } from '../../src/connection.js';

const connect = (): Connection => {
  throw new Error('no daemon in unit tests');
};

function program(args: string[]): Command {
  const p = new Command('ce').option('-H, --host <socket>').enablePositionalOptions().exitOverride();
  registerCommands(p, connect, args);
  return p;
}

/** A command's whole shape: names, aliases, options and arguments, its subcommands' too. */
function shape(c: Command): unknown {
  return {
    name: c.name(),
    aliases: c.aliases(),
    usage: c.usage(),
    description: c.description(),
    options: c.options.map((o) => [o.flags, o.description, o.defaultValue]),
    args: c.registeredArguments.map((a) => [a.name(), a.required, a.variadic]),
    commands: c.commands.map(shape),
  };
}

describe('the command table', () => {
  it('has each command once, and each entry registers exactly the command it names', () => {
    expect(new Set(COMMANDS.map(([name]) => name)).size).toBe(COMMANDS.length);
    for (const [name, register] of COMMANDS) {
      const p = new Command('ce').enablePositionalOptions();
      register(p, connect);
      expect(p.commands.map((c) => c.name())).toEqual([name]);
    }
  });

  it('registers one command, the same as among all of them, for a command line that names it', () => {
    const all = program([]);
    for (const [name] of COMMANDS) {
      const one = program(['-H', '/x.sock', name, '--some-flag', 'arg']);
      expect(one.commands.map((c) => c.name())).toEqual([name]);
      expect(shape(one.commands[0]!)).toEqual(shape(all.commands.find((c) => c.name() === name)!));
    }
  });

  it('registers every command when the command line names none it knows', () => {
    const all = COMMANDS.map(([name]) => name);
    for (const args of [[], ['--help'], ['-H', 's', '--help'], ['help', 'run'], ['rnu'], ['compose', 'up'], ['--unknown', 'run']]) {
      expect(program(args).commands.map((c) => c.name())).toEqual(all);
    }
  });

  it('finds the command after ce\'s own -H/--host in each of its forms', () => {
    expect(namedCommand(['run', '--rm', 'hello-world'])).toBe('run');
    expect(namedCommand(['-H', 'unix:///s', 'ps'])).toBe('ps');
    expect(namedCommand(['--host', '/s', 'container', 'ls'])).toBe('container');
    expect(namedCommand(['--host=/s', 'version'])).toBe('version');
    expect(namedCommand(['--namespace', 'k8s.io', 'ps', '-a'])).toBe('ps');
    expect(namedCommand(['-H', '/s', '--namespace=k8s.io', 'container', 'ls'])).toBe('container');
    expect(namedCommand(['-H/s', 'images'])).toBe('images');
    expect(namedCommand(['-H'])).toBeUndefined();
    expect(namedCommand(['-h'])).toBeUndefined();
    expect(namedCommand(['exec-nope'])).toBeUndefined();
  });
});
