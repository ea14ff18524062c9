import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LinuxBlockIO, LinuxDeviceCgroup, LinuxMemory, LinuxResources } from '../spec/types.js';
import { DEFAULT_ALLOWED_DEVICES } from './default-devices.js';
import { checkControllersAvailable } from './needed-controllers.js';
import { freezeV1, isFrozenV1 } from './freezer.js';
import { oomKillsV1, readStatsV1 } from './stats-v1.js';
import type { Stats } from './stats-types.js';
import type { CgroupLayout, CgroupManager, CgroupMountPlan, Hierarchy } from './types.js';
import { anyExists, chainBelow, hierarchyPath, pruneEmptyAncestors, readPids, removeCgroupDir, retryIfParentVanished, writeValue } from './util.js';

export function hierarchyKey(h: Hierarchy): string {
  return h.controllers.join(',');
}

/** v1 device rule text: "c 1:3 rwm", "a". */
export function deviceRule(d: LinuxDeviceCgroup): string {
  const type = d.type ?? 'a';
  if (type === 'a') return 'a';
  const num = (n: number | null | undefined) => (n === undefined || n === null || n < 0 ? '*' : String(n));
  return `${type} ${num(d.major)}:${num(d.minor)} ${d.access || 'rwm'}`;
}

/** DEFAULT_ALLOWED_DEVICES as devices.allow lines ("c *:* m", "c 1:3 rwm", …). */
export const DEFAULT_ALLOWED_DEVICE_RULES = DEFAULT_ALLOWED_DEVICES.map(deviceRule);

/** cgroup v1: one directory per mounted hierarchy (cpu,cpuacct / memory / pids / ...). */
export class CgroupV1Manager implements CgroupManager {
  readonly mode: 'v1' | 'hybrid' = 'v1';

  constructor(protected readonly layout: CgroupLayout) {}

  paths(cgroupsPath: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const h of this.layout.v1) {
      const key = hierarchyKey(h);
      out.set(key, hierarchyPath(h, this.layout.own.get(key), cgroupsPath));
    }
    return out;
  }

  /** The directory of the hierarchy that holds `controller`, if mounted. */
  controllerPath(cgroupsPath: string, controller: string): string | undefined {
    for (const [key, dir] of this.paths(cgroupsPath)) if (key.split(',').includes(controller)) return dir;
    return undefined;
  }

  /** Refuses limits on a controller no mounted hierarchy has (runc: "cannot set net_cls limit"). */
  protected checkMounted(resources: LinuxResources): void {
    checkControllersAvailable(resources, 'v1', new Set(this.layout.v1.flatMap((h) => h.controllers)));
  }

  async apply(cgroupsPath: string, resources?: LinuxResources): Promise<void> {
    if (resources) this.checkMounted(resources);
    for (const h of this.layout.v1) {
      const dir = hierarchyPath(h, this.layout.own.get(hierarchyKey(h)), cgroupsPath);
      await retryIfParentVanished(async () => {
        if (h.controllers.includes('cpuset')) await this.mkdirCpuset(h.mountpoint, dir);
        else mkdirSync(dir, { recursive: true }); // cgroupfs: see writeValue
      });
    }
    if (resources) await this.setResources(cgroupsPath, resources);
  }

  /** A new cpuset cgroup starts with empty cpus/mems, which refuses tasks: copy the parent's. */
  private async mkdirCpuset(top: string, dir: string): Promise<void> {
    for (const d of chainBelow(top, dir)) {
      if (!existsSync(d)) mkdirSync(d);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const cur = readOrUndefined(join(d, f));
        if (cur !== undefined && cur.trim() === '') {
          const parent = readFileSync(join(dirname(d), f), 'utf8').trim();
          await writeValue(d, f, parent);
        }
      }
    }
  }

  async setResources(cgroupsPath: string, r: LinuxResources): Promise<void> {
    const at = (c: string) => this.controllerPath(cgroupsPath, c);
    const mem = at('memory');
    if (r.memory && mem) await this.setMemory(mem, r.memory);
    const cpu = at('cpu');
    if (r.cpu && cpu) {
      const c = r.cpu;
      if (c.shares !== undefined && c.shares !== 0) await writeValue(cpu, 'cpu.shares', c.shares);
      if (c.period !== undefined && c.period !== 0) await writeValue(cpu, 'cpu.cfs_period_us', c.period);
      if (c.quota !== undefined && c.quota !== 0) await writeValue(cpu, 'cpu.cfs_quota_us', c.quota);
      if (c.realtimePeriod !== undefined && c.realtimePeriod !== 0) await writeValue(cpu, 'cpu.rt_period_us', c.realtimePeriod);
      if (c.realtimeRuntime !== undefined && c.realtimeRuntime !== 0) await writeValue(cpu, 'cpu.rt_runtime_us', c.realtimeRuntime);
    }
    const cpuset = at('cpuset');
    if (r.cpu && cpuset) {
      if (r.cpu.cpus) await writeValue(cpuset, 'cpuset.cpus', r.cpu.cpus);
      if (r.cpu.mems) await writeValue(cpuset, 'cpuset.mems', r.cpu.mems);
    }
    const pids = at('pids');
    if (r.pids && pids) await writeValue(pids, 'pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
    const blkio = at('blkio');
    if (r.blockIO && blkio) await setBlkio(blkio, r.blockIO);
    // (a limit on a controller that is not mounted was refused by checkMounted)
    const hugetlb = at('hugetlb');
    if (hugetlb) for (const h of r.hugepageLimits ?? []) await writeValue(hugetlb, `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit);
    // linux.resources.network: only where the net_cls / net_prio hierarchies are mounted (v2 has no such controllers)
    const netCls = at('net_cls');
    if (r.network?.classID !== undefined && netCls) await writeValue(netCls, 'net_cls.classid', r.network.classID);
    const netPrio = at('net_prio');
    if (netPrio) for (const p of r.network?.priorities ?? []) await writeValue(netPrio, 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
    const devices = at('devices');
    if (r.devices && devices) {
      for (const d of r.devices) await writeValue(devices, d.allow ? 'devices.allow' : 'devices.deny', deviceRule(d));
      // runc appends these after the config's rules, so a deny-all config still gets /dev/null and friends
      for (const rule of DEFAULT_ALLOWED_DEVICE_RULES) await writeValue(devices, 'devices.allow', rule);
    }
  }

  /**
   * memory.memsw.limit_in_bytes must never be below memory.limit_in_bytes:
   * raising both writes swap first, lowering both writes memory first (runc's order).
   */
  private async setMemory(mem: string, m: LinuxMemory): Promise<void> {
    const hasSwap = m.swap !== undefined && m.swap !== 0 && existsSync(join(mem, 'memory.memsw.limit_in_bytes'));
    const setLimit = async () => {
      if (m.limit !== undefined && m.limit !== 0) await writeValue(mem, 'memory.limit_in_bytes', m.limit);
    };
    const setSwap = async () => {
      if (hasSwap) await writeValue(mem, 'memory.memsw.limit_in_bytes', m.swap!);
    };
    const currentLimit = Number((await readFile(join(mem, 'memory.limit_in_bytes'), 'utf8').catch(() => '0')).trim());
    if (hasSwap && (m.swap === -1 || m.swap! > currentLimit)) {
      await setSwap();
      await setLimit();
    } else {
      await setLimit();
      await setSwap();
    }
    if (m.reservation !== undefined && m.reservation !== 0) await writeValue(mem, 'memory.soft_limit_in_bytes', m.reservation);
    if (m.swappiness !== undefined && m.swappiness !== null) await writeValue(mem, 'memory.swappiness', m.swappiness);
    if (m.disableOOMKiller) await writeValue(mem, 'memory.oom_control', 1);
    // As runc: the TCP buffer limit is set; the kernel memory limit (memory.kmem.limit_in_bytes) is
    // deprecated and ignored by the kernel since 5.16, so it is not written.
    if (m.kernelTCP !== undefined && m.kernelTCP !== 0) await writeValue(mem, 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP);
  }

  async update(cgroupsPath: string, resources: LinuxResources): Promise<void> {
    this.checkMounted(resources);
    return this.setResources(cgroupsPath, resources);
  }

  async freeze(cgroupsPath: string, frozen: boolean): Promise<void> {
    const dir = this.controllerPath(cgroupsPath, 'freezer');
    if (!dir) throw new Error('the freezer cgroup controller is not mounted');
    await freezeV1(dir, frozen);
  }

  isFrozen(cgroupsPath: string): boolean {
    return isFrozenV1(this.controllerPath(cgroupsPath, 'freezer'));
  }

  stats(cgroupsPath: string): Promise<Stats> {
    return readStatsV1((c) => this.controllerPath(cgroupsPath, c));
  }

  oomKills(cgroupsPath: string): Promise<number> {
    return oomKillsV1((c) => this.controllerPath(cgroupsPath, c));
  }

  oomKillsFile(cgroupsPath: string): string | undefined {
    const dir = this.controllerPath(cgroupsPath, 'memory');
    return dir && `${dir}/memory.oom_control`;
  }

  async addProcess(cgroupsPath: string, pid: number): Promise<void> {
    for (const dir of this.paths(cgroupsPath).values()) await writeValue(dir, 'cgroup.procs', pid);
  }

  async pids(cgroupsPath: string): Promise<number[]> {
    const dir = this.controllerPath(cgroupsPath, 'pids') ?? this.controllerPath(cgroupsPath, 'memory') ?? [...this.paths(cgroupsPath).values()][0];
    return dir ? readPids(dir) : [];
  }

  exists(cgroupsPath: string): boolean {
    return anyExists(this.paths(cgroupsPath).values());
  }

  async destroy(cgroupsPath: string): Promise<void> {
    for (const dir of this.paths(cgroupsPath).values()) await removeCgroupDir(dir);
    const mountpoints = [...this.layout.v1, ...(this.layout.unified ? [this.layout.unified] : [])].map((h) => h.mountpoint);
    for (const dir of this.paths(cgroupsPath).values()) {
      const mountpoint = mountpoints.find((m) => dir.startsWith(`${m}/`));
      if (mountpoint) await pruneEmptyAncestors(dir, mountpoint);
    }
  }

  mountPlan(cgroupsPath: string | undefined): CgroupMountPlan {
    const binds: Array<{ name: string; hostPath: string }> = [];
    const links: Array<{ name: string; target: string }> = [];
    for (const h of this.layout.v1) {
      const key = hierarchyKey(h);
      const real = h.controllers.filter((c) => !c.startsWith('name='));
      const name = real.length ? real.join(',') : h.controllers[0]!.slice('name='.length);
      const own = this.layout.own.get(key) ?? '/';
      const hostPath = cgroupsPath ? hierarchyPath(h, own, cgroupsPath) : hierarchyPath(h, own, own);
      binds.push({ name, hostPath });
      if (real.length > 1) for (const c of real) links.push({ name: c, target: name });
    }
    return { kind: 'v1', binds, links };
  }
}

/** blkio weights and throttles; weights only where the I/O scheduler offers them (BFQ first, then CFQ, as runc). */
async function setBlkio(dir: string, b: LinuxBlockIO): Promise<void> {
  const bfq = existsSync(join(dir, 'blkio.bfq.weight'));
  const weighted = bfq || existsSync(join(dir, 'blkio.weight'));
  const need = (what: string) => {
    if (!weighted) throw new Error(`linux.resources.blockIO.${what}: the block I/O scheduler offers no weights (blkio.weight is missing)`);
  };
  if (b.weight) {
    need('weight');
    await writeValue(dir, bfq ? 'blkio.bfq.weight' : 'blkio.weight', b.weight);
  }
  if (b.leafWeight) {
    need('leafWeight');
    await writeValue(dir, 'blkio.leaf_weight', b.leafWeight);
  }
  for (const d of b.weightDevice ?? []) {
    need('weightDevice');
    if (d.weight) await writeValue(dir, 'blkio.weight_device', `${d.major}:${d.minor} ${d.weight}`);
    if (d.leafWeight) await writeValue(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
  }
  const throttles: Array<[keyof LinuxBlockIO, string]> = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
  ];
  for (const [key, file] of throttles) {
    for (const t of (b[key] as Array<{ major: number; minor: number; rate: number }> | undefined) ?? []) {
      await writeValue(dir, file, `${t.major}:${t.minor} ${t.rate}`);
    }
  }
}

/** Reads a v1 hierarchy file, for tests and diagnostics. */
export function readV1(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
