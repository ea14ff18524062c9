import type { LinuxResources } from '../spec/types.js';
import { detectCgroups } from './detect.js';
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
 * runc does.
 */
export class CgroupHybridManager extends CgroupV1Manager {
  override readonly mode = 'hybrid' as const;

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
    await super.apply(cgroupsPath, resources);
    const u = this.unifiedPath(cgroupsPath);
    if (u && !existsSync(u)) await mkdir(u, { recursive: true });
  }

}

export function createCgroupManager(layout: CgroupLayout = detectCgroups()): CgroupManager {
  switch (layout.mode) {
    case 'v2':
      return new CgroupV2Manager(layout);
    case 'hybrid':
      return new CgroupHybridManager(layout);
    default:
      return new CgroupV1Manager(layout);
  }
}

export { detectCgroups, detectLayout, parseCgroupMounts, parseProcCgroup } from './detect.js';
export { CgroupV1Manager, deviceRule } from './v1.js';
export { CgroupV2Manager, sharesToWeight, cpuMax } from './v2.js';
export type { CgroupLayout, CgroupManager, CgroupMode, CgroupMountPlan, Hierarchy } from './types.js';
export { writeValue, removeCgroupDir };
