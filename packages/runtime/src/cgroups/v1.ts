import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LinuxDeviceCgroup, LinuxResources } from '../spec/types.js';
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

  async apply(cgroupsPath: string, resources?: LinuxResources): Promise<void> {
    for (const h of this.layout.v1) {
      const dir = hierarchyPath(h, this.layout.own.get(hierarchyKey(h)), cgroupsPath);
      await retryIfParentVanished(async () => {
        if (h.controllers.includes('cpuset')) await this.mkdirCpuset(h.mountpoint, dir);
        else await mkdir(dir, { recursive: true });
      });
    }
    if (resources) await this.setResources(cgroupsPath, resources);
  }

  /** A new cpuset cgroup starts with empty cpus/mems, which refuses tasks: copy the parent's. */
  private async mkdirCpuset(top: string, dir: string): Promise<void> {
    for (const d of chainBelow(top, dir)) {
      if (!existsSync(d)) await mkdir(d);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const cur = await readFile(join(d, f), 'utf8').catch(() => undefined);
        if (cur !== undefined && cur.trim() === '') {
          const parent = (await readFile(join(dirname(d), f), 'utf8')).trim();
          await writeValue(d, f, parent);
        }
      }
    }
  }

  async setResources(cgroupsPath: string, r: LinuxResources): Promise<void> {
    const at = (c: string) => this.controllerPath(cgroupsPath, c);
    const mem = at('memory');
    if (r.memory && mem) {
      const m = r.memory;
      if (m.limit !== undefined) await writeValue(mem, 'memory.limit_in_bytes', m.limit);
      if (m.reservation !== undefined) await writeValue(mem, 'memory.soft_limit_in_bytes', m.reservation);
      if (m.swap !== undefined && existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) await writeValue(mem, 'memory.memsw.limit_in_bytes', m.swap);
      if (m.swappiness !== undefined) await writeValue(mem, 'memory.swappiness', m.swappiness);
      if (m.disableOOMKiller) await writeValue(mem, 'memory.oom_control', 1);
    }
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
    if (r.blockIO?.weight && blkio && existsSync(join(blkio, 'blkio.weight'))) await writeValue(blkio, 'blkio.weight', r.blockIO.weight);
    const devices = at('devices');
    if (r.devices && devices) {
      for (const d of r.devices) await writeValue(devices, d.allow ? 'devices.allow' : 'devices.deny', deviceRule(d));
    }
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

/** Reads a v1 hierarchy file, for tests and diagnostics. */
export function readV1(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}
