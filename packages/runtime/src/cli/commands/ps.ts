import { spawnSync } from 'node:child_process';
import { CliError, type Command, stateOf } from '../command.js';
import { out } from '../output.js';

/** Keeps ps's header and the lines whose PID column is one of `pids` (runc ps). */
export function filterPsOutput(text: string, pids: readonly number[]): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new CliError("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const kept = lines.slice(1).filter((l) => wanted.has(Number(l.trim().split(/\s+/)[pidIndex])));
  return [header, ...kept].map((l) => `${l}\n`).join('');
}

export const ps: Command = {
  name: 'ps',
  usage: '<container-id> [ps options]',
  description: 'ps displays the processes running inside a container',
  stopAtFirstArg: true,
  flags: [{ name: 'format', aliases: ['f'], type: 'string', usage: 'select one of: table or json', defaultText: '"table"' }],
  args: { min: 1 },
  async run(ctx, { flags, args }) {
    const id = args[0]!;
    const format = (flags.format as string | undefined) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new CliError(`invalid format option ${JSON.stringify(format)}`);
    const { status } = await stateOf(ctx, id);
    if (status === 'stopped') throw new CliError('container not running');
    const pids = await ctx.runtime().ps(id);
    if (format === 'json') {
      out(`${JSON.stringify(pids)}\n`);
      return 0;
    }
    const psArgs = args.length > 1 ? args.slice(1) : ['-ef'];
    const r = spawnSync('ps', psArgs, { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new CliError(`ps ${psArgs.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
    out(filterPsOutput(r.stdout, pids));
    return 0;
  },
};
