import type { LinuxResources } from '../spec/types.js';
import { detectCgroups } from './detect.js';
import { attachDeviceProgram, attachWithBpf, compileDeviceFilter, type DeviceFilterAttacher } from './device-filter/index.js';
import type { CgroupLayout, CgroupManager } from './types.js';
import { hierarchyPath, removeCgroupDir, writeValue } from './util.js';
// (paths() includes the unified directory, so addProcess/destroy cover it too.)
import { CgroupV1Manager } from './v1.js';
import { CgroupV2Manager } from './v2.js';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';

/**
 * Hybrid (systemd's layout, and this machine's): the v1 controllers do the
 * limiting; the controller-less unified hierarchy only tracks membership, as
 * runc does. Device rules are the v1 devices controller's; only where it is
 * not mounted does an eBPF device program on the unified cgroup enforce them.
 */
export class CgroupHybridManager extends CgroupV1Manager {
  override readonly mode = 'hybrid' as const;
  private readonly attachDeviceFilter: DeviceFilterAttacher;

  /** `attachDeviceFilter` puts the device program on the unified cgroup (default: bpf(2) through @ce/native). */
  constructor(layout: CgroupLayout, options: { attachDeviceFilter?: DeviceFilterAttacher } = {}) {
    super(layout);
    this.attachDeviceFilter = options.attachDeviceFilter ?? attachWithBpf;
  }

  /**
   * The device program and the unified directory it goes on: none while the
   * v1 devices controller is mounted. Compiled before anything is written, so
   * bad rules leave the cgroup as it was.
   */
  private deviceFilter(cgroupsPath: string, resources: LinuxResources | undefined): { dir: string; program: Buffer } | undefined {
    if (!resources?.devices || this.layout.v1.some((h) => h.controllers.includes('devices'))) return undefined;
    const dir = this.unifiedPath(cgroupsPath);
    return dir ? { dir, program: compileDeviceFilter(resources.devices) } : undefined;
  }

  unifiedPath(cgroupsPath: string): string | undefined {
    const u = this.layout.unified;
    return u ? hierarchyPath(u, this.layout.own.get(''), cgroupsPath) : undefined;
  }

  override paths(cgroupsPath: string): Map<string, string> {
    const out = super.paths(cgroupsPath);
    const u = this.unifiedPath(cgroupsPath);
    if (u) out.set('', u);
    return out;
  }

  override async apply(cgroupsPath: string, resources?: LinuxResources): Promise<void> {
    const filter = this.deviceFilter(cgroupsPath, resources);
    await super.apply(cgroupsPath, resources);
    const u = this.unifiedPath(cgroupsPath);
    if (u && !existsSync(u)) await mkdir(u, { recursive: true });
    if (filter) attachDeviceProgram(this.attachDeviceFilter, filter.dir, filter.program);
  }

  override async update(cgroupsPath: string, resources: LinuxResources): Promise<void> {
    const filter = this.deviceFilter(cgroupsPath, resources);
    await super.update(cgroupsPath, resources);
    if (filter) attachDeviceProgram(this.attachDeviceFilter, filter.dir, filter.program);
  }
}

export function createCgroupManager(layout: CgroupLayout = detectCgroups(), options: { attachDeviceFilter?: DeviceFilterAttacher } = {}): CgroupManager {
  switch (layout.mode) {
    case 'v2':
      return new CgroupV2Manager(layout, options);
    case 'hybrid':
      return new CgroupHybridManager(layout, options);
    default:
      return new CgroupV1Manager(layout);
  }
}

export { detectCgroups, detectLayout, parseCgroupMounts, parseProcCgroup } from './detect.js';
export { CgroupV1Manager, deviceRule } from './v1.js';
export { CgroupV2Manager, sharesToWeight, cpuMax } from './v2.js';
export { DEFAULT_ALLOWED_DEVICES } from './default-devices.js';
export { compileDeviceFilter, deviceRuleSet, type DeviceFilterAttacher, type DeviceRuleSet } from './device-filter/index.js';
export type { CgroupLayout, CgroupManager, CgroupMode, CgroupMountPlan, Hierarchy } from './types.js';
export { writeValue, removeCgroupDir };
