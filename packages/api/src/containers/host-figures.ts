// The host's figures docker stats puts beside a container's (moby
// daemon/stats/collector_unix.go): CPU time from /proc/stat, online CPUs,
// and the machine's memory, the cap on a limit that is not set.
import { readFile } from 'node:fs/promises';

/** USER_HZ, the unit of /proc/stat, is 100 on every Linux ABI. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface SystemCpu {
  /** Nanoseconds of CPU time of the whole host (the first seven fields of the cpu line). */
  systemCpuUsage: number;
  /** The cpuN lines of /proc/stat. */
  onlineCpus: number;
}

/** Docker's getSystemCPUUsage and getNumberOnlineCPUs over /proc/stat's text. */
export function parseProcStat(text: string): SystemCpu {
  let systemCpuUsage: number | undefined;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === 'cpu') {
      if (parts.length < 8) throw new Error('invalid number of cpu fields');
      const ticks = parts.slice(1, 8).reduce((sum, v) => sum + Number(v), 0);
      systemCpuUsage = (ticks * 1e9) / CLOCK_TICKS_PER_SECOND;
    } else if (/^cpu\d+$/.test(parts[0] ?? '')) {
      onlineCpus++;
    }
  }
  if (systemCpuUsage === undefined) throw new Error('invalid stat format: no cpu line in /proc/stat');
  return { systemCpuUsage, onlineCpus };
}

/** MemTotal of /proc/meminfo, in bytes. */
export function parseMemTotal(text: string): number {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export async function readSystemCpu(procStat = '/proc/stat'): Promise<SystemCpu> {
  return parseProcStat(await readFile(procStat, 'utf8'));
}

let machineMemory: number | undefined;
export async function readMachineMemory(meminfo = '/proc/meminfo'): Promise<number> {
  return (machineMemory ??= parseMemTotal(await readFile(meminfo, 'utf8')));
}
