import { readFileSync } from 'node:fs';
import type { LinuxResources } from '../../spec/types.js';
import { type FlagSpec, type Parsed, parseBytes } from '../args.js';
import { CliError, type Command, stateOf } from '../command.js';

const flags: FlagSpec[] = [
  { name: 'resources', aliases: ['r'], type: 'string', usage: "path to the file containing the resources to update or '-' to read from the standard input" },
  { name: 'blkio-weight', type: 'int', usage: 'Specifies per cgroup weight, range is from 10 to 1000', defaultText: '0' },
  { name: 'cpu-period', type: 'string', usage: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
  { name: 'cpu-quota', type: 'string', usage: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
  { name: 'cpu-share', aliases: ['cpu-shares'], type: 'string', usage: 'CPU shares (relative weight vs. other containers)' },
  { name: 'cpu-rt-period', type: 'string', usage: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
  { name: 'cpu-rt-runtime', type: 'string', usage: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
  { name: 'cpuset-cpus', type: 'string', usage: 'CPU(s) to use' },
  { name: 'cpuset-mems', type: 'string', usage: 'Memory node(s) to use' },
  { name: 'memory', type: 'string', usage: 'Memory limit (in bytes)' },
  { name: 'memory-reservation', type: 'string', usage: 'Memory reservation or soft_limit (in bytes)' },
  { name: 'memory-swap', type: 'string', usage: "Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
  { name: 'pids-limit', type: 'int', usage: 'Maximum number of pids allowed in the container', defaultText: '0' },
  { name: 'l3-cache-schema', type: 'string', usage: 'The string of Intel RDT/CAT L3 cache schema' },
  { name: 'mem-bw-schema', type: 'string', usage: 'The string of Intel RDT/MBA memory bandwidth schema' },
];

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new CliError(`invalid value for ${flag}: ${JSON.stringify(text)}`);
  return Number(text);
}

/** The resources to apply: the -r file (or stdin) as is, else the flags given (runc update). */
export function updateResources({ flags: f, given }: Parsed, readStdin: () => string = () => readFileSync(0, 'utf8')): LinuxResources {
  const file = f.resources as string | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`read resources ${file}: ${(err as Error).message}`);
    }
    try {
      return JSON.parse(text) as LinuxResources;
    } catch (err) {
      throw new CliError(`resources ${file === '-' ? '(stdin)' : file}: invalid JSON: ${(err as Error).message}`);
    }
  }
  if (given.has('l3-cache-schema') || given.has('mem-bw-schema')) throw new CliError('Intel RDT is not supported');
  const r: LinuxResources = {};
  const str = (name: string) => (given.has(name) ? (f[name] as string) : undefined);
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (str('memory') !== undefined) memory.limit = parseBytes(str('memory')!, '--memory');
  if (str('memory-reservation') !== undefined) memory.reservation = parseBytes(str('memory-reservation')!, '--memory-reservation');
  if (str('memory-swap') !== undefined) memory.swap = parseBytes(str('memory-swap')!, '--memory-swap');
  if (Object.keys(memory).length) r.memory = memory;
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (str('cpu-share') !== undefined) cpu.shares = integer(str('cpu-share')!, '--cpu-share');
  if (str('cpu-quota') !== undefined) cpu.quota = integer(str('cpu-quota')!, '--cpu-quota');
  if (str('cpu-period') !== undefined) cpu.period = integer(str('cpu-period')!, '--cpu-period');
  if (str('cpu-rt-runtime') !== undefined) cpu.realtimeRuntime = integer(str('cpu-rt-runtime')!, '--cpu-rt-runtime');
  if (str('cpu-rt-period') !== undefined) cpu.realtimePeriod = integer(str('cpu-rt-period')!, '--cpu-rt-period');
  if (str('cpuset-cpus') !== undefined) cpu.cpus = str('cpuset-cpus');
  if (str('cpuset-mems') !== undefined) cpu.mems = str('cpuset-mems');
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (given.has('blkio-weight')) r.blockIO = { weight: f['blkio-weight'] as number };
  if (given.has('pids-limit')) r.pids = { limit: f['pids-limit'] as number };
  return r;
}

export const update: Command = {
  name: 'update',
  usage: '<container-id>',
  description: 'update container resource constraints',
  flags,
  args: { exact: 1 },
  async run(ctx, p) {
    const id = p.args[0]!;
    const { status } = await stateOf(ctx, id);
    if (status === 'stopped') throw new CliError('container not running');
    await ctx.runtime().update(id, updateResources(p));
    return 0;
  },
};
