import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LinuxBlockIO, LinuxResources } from '../spec/types.js';
import { RuntimeError } from '../errors.js';
import { attachDeviceProgram, attachWithBpf, compileDeviceFilter, type DeviceFilterAttacher } from './device-filter/index.js';
import { freezeV2, isFrozenV2 } from './freezer.js';
import { checkControllersAvailable } from './needed-controllers.js';
import { oomKillsV2, readStatsV2 } from './stats-v2.js';
import type { Stats } from './stats-types.js';
import type { CgroupLayout, CgroupManager, CgroupMountPlan } from './types.js';
import { chainBelow, hierarchyPath, pruneEmptyAncestors, readPids, removeCgroupDir, retryIfParentVanished, writeValue } from './util.js';

/** cpu.shares (2..262144) → cpu.weight (1..10000), the conversion runc and the kernel docs use. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** The cpu.max line for a quota and period. */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  if (quota === undefined && period === undefined) return undefined;
  const q = quota === undefined || quota <= 0 ? 'max' : String(quota);
  return `${q} ${period && period > 0 ? period : 100000}`;
}

/** blkio weight (10..1000) → io.weight (1..10000), runc's conversion. */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/** io.weight / io.max lines for linux.resources.blockIO. */
async function setIo(dir: string, b: LinuxBlockIO): Promise<void> {
  // io.bfq.weight takes blkio's range; io.weight (the io controller's own) the converted one
  const bfq = existsSync(join(dir, 'io.bfq.weight'));
  if (b.weight) {
    if (bfq) await writeValue(dir, 'io.bfq.weight', b.weight);
    else await writeValue(dir, 'io.weight', `default ${blkioWeightToIoWeight(b.weight)}`);
  }
  for (const d of b.weightDevice ?? []) {
    if (!d.weight) continue;
    if (bfq) await writeValue(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
    else await writeValue(dir, 'io.weight', `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`);
  }
  const throttles: Array<[keyof LinuxBlockIO, string]> = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ];
  for (const [key, name] of throttles) {
    for (const t of (b[key] as Array<{ major: number; minor: number; rate: number }> | undefined) ?? []) {
      await writeValue(dir, 'io.max', `${t.major}:${t.minor} ${name}=${t.rate === 0 ? 'max' : t.rate}`);
    }
  }
}

/** cgroup v2: one unified tree. */
export class CgroupV2Manager implements CgroupManager {
  readonly mode = 'v2' as const;

  private readonly attachDeviceFilter: DeviceFilterAttacher;

  /** `attachDeviceFilter` puts the device program on the cgroup (default: bpf(2) through @ce/native). */
  constructor(
    private readonly layout: CgroupLayout,
    options: { attachDeviceFilter?: DeviceFilterAttacher } = {},
  ) {
    if (!layout.unified) throw new Error('cgroup v2 manager without a cgroup2 mount');
    this.attachDeviceFilter = options.attachDeviceFilter ?? attachWithBpf;
  }

  path(cgroupsPath: string): string {
    return hierarchyPath(this.layout.unified!, this.layout.own.get(''), cgroupsPath);
  }

  paths(cgroupsPath: string): Map<string, string> {
    return new Map([['', this.path(cgroupsPath)]]);
  }

  async apply(cgroupsPath: string, resources?: LinuxResources): Promise<void> {
    const top = this.layout.unified!.mountpoint;
    const dir = this.path(cgroupsPath);
    if (resources) await this.checkAvailable(dir, resources);
    // Enable the controllers the parent offers, down to the new cgroup's parent.
    await retryIfParentVanished(() => this.createChain(top, dir));
    if (resources) await this.setResources(dir, resources);
  }

  private async createChain(top: string, dir: string): Promise<void> {
    for (const d of chainBelow(top, dir)) {
      const parent = dirname(d);
      const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/).filter(Boolean);
      const wanted = available.filter((c) => ['cpu', 'cpuset', 'memory', 'pids', 'io', 'hugetlb'].includes(c));
      if (wanted.length) await writeValue(parent, 'cgroup.subtree_control', wanted.map((c) => `+${c}`).join(' ')).catch(() => {});
      if (!existsSync(d)) await mkdir(d);
    }
  }

  private async setResources(dir: string, r: LinuxResources): Promise<void> {
    // compiled first: bad device rules fail before any file is written
    const devices = r.devices && compileDeviceFilter(r.devices);
    const m = r.memory;
    if (m) {
      if (m.limit !== undefined) await writeValue(dir, 'memory.max', m.limit < 0 ? 'max' : m.limit);
      if (m.reservation !== undefined) await writeValue(dir, 'memory.low', m.reservation < 0 ? 'max' : m.reservation);
      if (m.swap !== undefined && existsSync(join(dir, 'memory.swap.max'))) {
        const limit = m.limit !== undefined && m.limit !== 0 ? m.limit : await currentMemoryMax(dir);
        const swap = swapMaxValue(m.swap, limit);
        if (swap !== undefined) await writeValue(dir, 'memory.swap.max', swap);
      }
    }
    const c = r.cpu;
    if (c) {
      if (c.shares) await writeValue(dir, 'cpu.weight', sharesToWeight(c.shares));
      const max = cpuMax(c.quota, c.period);
      if (max) await writeValue(dir, 'cpu.max', max);
      if (c.cpus) await writeValue(dir, 'cpuset.cpus', c.cpus);
      if (c.mems) await writeValue(dir, 'cpuset.mems', c.mems);
    }
    if (r.pids) await writeValue(dir, 'pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
    if (r.blockIO) await setIo(dir, r.blockIO);
    for (const h of r.hugepageLimits ?? []) await writeValue(dir, `hugetlb.${h.pageSize}.max`, h.limit);
    for (const [file, value] of Object.entries(r.unified ?? {})) {
      if (file.includes('/')) throw new Error(`linux.resources.unified: bad file name ${file}`);
      await writeValue(dir, file, value);
    }
    // v2 has no devices files: an eBPF program decides, replacing the one attached before
    if (devices) attachDeviceProgram(this.attachDeviceFilter, dir, devices);
  }

  /**
   * Refuses limits on a controller the cgroup cannot have: the nearest
   * existing ancestor (or the cgroup itself) lists in cgroup.controllers what
   * createChain can enable below it.
   */
  private async checkAvailable(dir: string, resources: LinuxResources): Promise<void> {
    const top = this.layout.unified!.mountpoint;
    let d = dir;
    for (;;) {
      const text = await readFile(join(d, 'cgroup.controllers'), 'utf8').catch(() => undefined);
      if (text !== undefined || d === top || !d.startsWith(`${top}/`)) {
        // no file at all: no controllers
        checkControllersAvailable(resources, 'v2', new Set((text ?? '').split(/\s+/).filter(Boolean)));
        return;
      }
      d = dirname(d);
    }
  }

  async update(cgroupsPath: string, resources: LinuxResources): Promise<void> {
    const dir = this.path(cgroupsPath);
    await this.checkAvailable(dir, resources);
    return this.setResources(dir, resources);
  }

  freeze(cgroupsPath: string, frozen: boolean): Promise<void> {
    return freezeV2(this.path(cgroupsPath), frozen);
  }

  isFrozen(cgroupsPath: string): boolean {
    return isFrozenV2(this.path(cgroupsPath));
  }

  stats(cgroupsPath: string): Promise<Stats> {
    return readStatsV2(this.path(cgroupsPath));
  }

  oomKills(cgroupsPath: string): Promise<number> {
    return oomKillsV2(this.path(cgroupsPath));
  }

  oomKillsFile(cgroupsPath: string): string {
    return `${this.path(cgroupsPath)}/memory.events`;
  }

  async addProcess(cgroupsPath: string, pid: number): Promise<void> {
    await writeValue(this.path(cgroupsPath), 'cgroup.procs', pid);
  }

  pids(cgroupsPath: string): Promise<number[]> {
    return readPids(this.path(cgroupsPath));
  }

  exists(cgroupsPath: string): boolean {
    return existsSync(this.path(cgroupsPath));
  }

  async destroy(cgroupsPath: string): Promise<void> {
    await removeCgroupDir(this.path(cgroupsPath));
    await pruneEmptyAncestors(this.path(cgroupsPath), this.layout.unified!.mountpoint);
  }

  mountPlan(): CgroupMountPlan {
    return { kind: 'cgroup2' };
  }
}

async function currentMemoryMax(dir: string): Promise<number> {
  const text = (await readFile(join(dir, 'memory.max'), 'utf8').catch(() => 'max')).trim();
  return text === 'max' ? -1 : Number(text);
}

/**
 * OCI's memory.swap is memory+swap (v1's memsw); v2's memory.swap.max is swap
 * alone: runc's conversion. -1 is unlimited, 0 unset (nothing written).
 */
export function swapMaxValue(memorySwap: number, memoryLimit: number): number | 'max' | undefined {
  if (memoryLimit === -1 && memorySwap === 0) return 'max'; // both unlimited, as on v1
  if (memorySwap === -1) return 'max';
  if (memorySwap === 0) return undefined;
  if (memoryLimit <= 0) throw new RuntimeError('InvalidArgument', 'linux.resources.memory.swap: cannot be set without a memory limit');
  if (memorySwap < memoryLimit) {
    throw new RuntimeError('InvalidArgument', `linux.resources.memory.swap: ${memorySwap} is below the memory limit ${memoryLimit} (it is memory+swap)`);
  }
  return memorySwap - memoryLimit;
}
