// docker run's resource and device flags, as the HostConfig fields they set.
import type { Command } from 'commander';
import { parseIntFlag } from './int-flag.js';
import { collect } from './output.js';
import { parseDevice, parseNanoCpus, parseRamSize, parseSwapSize, parseUlimit } from './units.js';

export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  memorySwappiness?: string;
  cpus?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  ulimit: string[];
  device: string[];
  readOnly?: boolean;
  groupAdd: string[];
  shmSize?: string;
  oomKillDisable?: boolean;
  oomScoreAdj?: string;
}

export function addResourceFlags(cmd: Command): Command {
  return cmd
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--memory-swappiness <int>', 'Tune container memory swappiness (0 to 100)')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--ulimit <name=soft[:hard]>', 'Ulimit options', collect, [])
    .option('--device <host[:container[:rwm]]>', 'Add a host device to the container', collect, [])
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--group-add <group>', 'Add additional groups to join', collect, [])
    .option('--shm-size <bytes>', 'Size of /dev/shm')
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .option('--oom-score-adj <int>', "Tune host's OOM preferences (-1000 to 1000)");
}

/** A flag value Docker's CLI refuses while parsing: `invalid argument "v" for "flag" flag: why`. */
function flagValue<T>(value: string | undefined, flag: string, parse: (v: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith('invalid argument') ? message : `invalid argument "${value}" for "${flag}" flag: ${message}`);
  }
}

const int = (flag: string) => (v: string) => parseIntFlag(v, flag);

/**
 * The HostConfig fields the flags set (absent when not given). Throws with
 * Docker's CLI wording; ced checks what depends on the host (CPUs, devices, groups).
 */
export function resourceHostConfig(opts: ResourceFlags): Record<string, unknown> {
  const hc: Record<string, unknown> = {
    Memory: flagValue(opts.memory, '-m, --memory', parseRamSize),
    MemorySwap: flagValue(opts.memorySwap, '--memory-swap', parseSwapSize),
    MemoryReservation: flagValue(opts.memoryReservation, '--memory-reservation', parseRamSize),
    MemorySwappiness: flagValue(opts.memorySwappiness, '--memory-swappiness', int('--memory-swappiness')),
    NanoCpus: flagValue(opts.cpus, '--cpus', parseNanoCpus),
    CpuShares: flagValue(opts.cpuShares, '-c, --cpu-shares', int('-c, --cpu-shares')),
    CpuPeriod: flagValue(opts.cpuPeriod, '--cpu-period', int('--cpu-period')),
    CpuQuota: flagValue(opts.cpuQuota, '--cpu-quota', int('--cpu-quota')),
    CpusetCpus: opts.cpusetCpus,
    CpusetMems: opts.cpusetMems,
    PidsLimit: flagValue(opts.pidsLimit, '--pids-limit', int('--pids-limit')),
    Ulimits: opts.ulimit.length ? opts.ulimit.map((u) => flagValue(u, '--ulimit', parseUlimit)) : undefined,
    ReadonlyRootfs: opts.readOnly ? true : undefined,
    GroupAdd: opts.groupAdd.length ? opts.groupAdd : undefined,
    ShmSize: flagValue(opts.shmSize, '--shm-size', parseRamSize),
    OomKillDisable: opts.oomKillDisable ? true : undefined,
    OomScoreAdj: flagValue(opts.oomScoreAdj, '--oom-score-adj', int('--oom-score-adj')),
  };
  // Docker checks devices after parsing, without the flag prefix: "relative is not an absolute path".
  if (opts.device.length) hc.Devices = opts.device.map(parseDevice);
  return Object.fromEntries(Object.entries(hc).filter(([, v]) => v !== undefined));
}
