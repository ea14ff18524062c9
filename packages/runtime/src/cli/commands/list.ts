import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, type Command } from '../command.js';
import { out } from '../output.js';
import { runcState } from './state.js';

/** The user name of a uid from /etc/passwd, or "#<uid>" as runc prints unknown ones. */
function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === uid) return name;
    }
  } catch {
    // no passwd
  }
  return `#${uid}`;
}

/** Columns as Go's tabwriter (minwidth 12, padding 3) lays them out; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(12, ...rows.map((r) => (r[c] ?? '').length + 3)));
  return rows.map((r) => `${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('')}\n`).join('');
}

export const list: Command = {
  name: 'list',
  aliases: ['ls'],
  usage: '',
  description: 'lists containers started by ce-runc with the given root',
  flags: [
    { name: 'format', aliases: ['f'], type: 'string', usage: 'select one of: table or json', defaultText: '"table"' },
    { name: 'quiet', aliases: ['q'], type: 'bool', usage: 'display only container IDs' },
  ],
  args: { exact: 0 },
  async run(ctx, { flags }) {
    const format = (flags.format as string | undefined) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new CliError(`invalid format option`);
    const states = await ctx.runtime().list();
    const owner = (id: string) => {
      try {
        return userName(statSync(join(ctx.globals.root, id)).uid);
      } catch {
        return '';
      }
    };
    if (flags.quiet === true) {
      out(states.map((s) => `${s.id}\n`).join(''));
    } else if (format === 'json') {
      // runc encodes a nil slice: "null" when there is no container
      out(`${states.length ? JSON.stringify(states.map((s) => runcState(s, owner(s.id)))) : 'null'}\n`);
    } else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, owner(s.id)])];
      out(table(rows));
    }
    return 0;
  },
};
