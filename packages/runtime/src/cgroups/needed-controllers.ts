import { RuntimeError } from '../errors.js';
import type { LinuxResources } from '../spec/types.js';

/** A controller some limit writes to, and the config field that asks for it. */
export interface NeededController {
  controller: string;
  field: string;
}

const nonZero = (v: number | null | undefined) => v !== undefined && v !== null && v !== 0;
const nonEmpty = (v: readonly unknown[] | null | undefined) => (v?.length ?? 0) > 0;

/**
 * The controllers `r` would write to, with runc's rules for what writes
 * nothing (a zero, unset or empty value), so that a limit that cannot be
 * applied is refused instead of dropped. `v2` names v2's controllers (io for
 * blockIO); v2 has no net_cls or net_prio, so network limits name those.
 * Device rules are left out: v1's devices controller or an eBPF program
 * (v2, and hybrid without it) always applies them.
 */
export function neededControllers(r: LinuxResources, version: 'v1' | 'v2'): NeededController[] {
  const out: NeededController[] = [];
  const need = (controller: string, field: string, when: boolean) => {
    if (when) out.push({ controller, field });
  };
  const m = r.memory;
  if (m) {
    need('memory', 'linux.resources.memory.limit', nonZero(m.limit));
    need('memory', 'linux.resources.memory.reservation', nonZero(m.reservation));
    need('memory', 'linux.resources.memory.swap', nonZero(m.swap));
    need('memory', 'linux.resources.memory.swappiness', version === 'v1' && m.swappiness !== undefined && m.swappiness !== null);
    need('memory', 'linux.resources.memory.disableOOMKiller', version === 'v1' && m.disableOOMKiller === true);
  }
  const c = r.cpu;
  if (c) {
    for (const k of ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod'] as const) need('cpu', `linux.resources.cpu.${k}`, nonZero(c[k]));
    need('cpuset', 'linux.resources.cpu.cpus', !!c.cpus);
    need('cpuset', 'linux.resources.cpu.mems', !!c.mems);
  }
  need('pids', 'linux.resources.pids.limit', nonZero(r.pids?.limit));
  const b = r.blockIO;
  if (b) {
    const blk = version === 'v1' ? 'blkio' : 'io';
    need(blk, 'linux.resources.blockIO.weight', nonZero(b.weight));
    need(blk, 'linux.resources.blockIO.leafWeight', version === 'v1' && nonZero(b.leafWeight));
    for (const k of ['weightDevice', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
      need(blk, `linux.resources.blockIO.${k}`, nonEmpty(b[k]));
    }
  }
  // any entry writes, a limit of 0 too (runc)
  need('hugetlb', 'linux.resources.hugepageLimits', nonEmpty(r.hugepageLimits));
  need('net_cls', 'linux.resources.network.classID', nonZero(r.network?.classID));
  need('net_prio', 'linux.resources.network.priorities', nonEmpty(r.network?.priorities));
  return out;
}

/**
 * Refuses limits for controllers missing from `available` (mounted v1
 * controllers, or those a v2 cgroup can enable), naming the first one, as
 * runc does ("cannot set net_cls limit: …").
 */
export function checkControllersAvailable(r: LinuxResources, version: 'v1' | 'v2', available: ReadonlySet<string>): void {
  const missing = neededControllers(r, version).find((n) => !available.has(n.controller));
  if (!missing) return;
  const why =
    version === 'v2' && (missing.controller === 'net_cls' || missing.controller === 'net_prio')
      ? `cgroup v2 has no ${missing.controller} controller`
      : version === 'v2'
        ? `the ${missing.controller} cgroup controller is not available (not in cgroup.controllers)`
        : `the ${missing.controller} cgroup controller is not mounted`;
  throw new RuntimeError('FailedPrecondition', `cannot set ${missing.controller} limit (${missing.field}): ${why}`);
}
