import type { LinuxResources } from '../spec/types.js';
import type { Stats } from './stats-types.js';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

/** One mounted cgroup hierarchy. */
export interface Hierarchy {
  /** Where it is mounted on the host, e.g. /sys/fs/cgroup/memory. */
  mountpoint: string;
  /** The cgroup mounted there (mountinfo's root field), usually "/". */
  root: string;
  /** v1 controllers, e.g. ["cpu", "cpuacct"], or ["name=systemd"]; empty for v2. */
  controllers: string[];
}

/** What detection found: the hierarchies and this process's own cgroups. */
export interface CgroupLayout {
  mode: CgroupMode;
  v1: Hierarchy[];
  /** The v2 hierarchy: the whole tree on v2, the (controller-less) unified one on hybrid. */
  unified?: Hierarchy;
  /** This process's cgroup per hierarchy key ("" for v2; the joined controller list for v1, e.g. "cpu,cpuacct"). */
  own: Map<string, string>;
}

/** What a `cgroup` mount inside the container becomes. */
export type CgroupMountPlan =
  | { kind: 'cgroup2' }
  | {
      kind: 'v1';
      /** Each hierarchy's directory of the container's cgroup, bound at <dest>/<name>. */
      binds: Array<{ name: string; hostPath: string }>;
      /** Symlinks <dest>/<name> → <target>, e.g. cpu → cpu,cpuacct. */
      links: Array<{ name: string; target: string }>;
    };

/** The one small interface the runtime uses; v1, v2 and hybrid implement it. */
export interface CgroupManager {
  readonly mode: CgroupMode;
  /** Host directories of the container's cgroup, keyed by hierarchy ("" for v2/unified). */
  paths(cgroupsPath: string): Map<string, string>;
  /** Creates the cgroup (all hierarchies) and applies the resource limits. */
  apply(cgroupsPath: string, resources?: LinuxResources): Promise<void>;
  /** Moves a process into the cgroup. */
  addProcess(cgroupsPath: string, pid: number): Promise<void>;
  /** Pids of the processes in the cgroup. */
  pids(cgroupsPath: string): Promise<number[]>;
  /** True when any of its directories exists. */
  exists(cgroupsPath: string): boolean;
  /** Removes the cgroup directories (retrying while the last processes exit). */
  destroy(cgroupsPath: string): Promise<void>;
  /** The container's view for a `cgroup` mount. */
  mountPlan(cgroupsPath: string | undefined): CgroupMountPlan;
  /** Applies new limits to the existing cgroup (runc update); only the fields given change. */
  update(cgroupsPath: string, resources: LinuxResources): Promise<void>;
  /** Freezes (pause) or thaws (resume) every process of the cgroup and waits until the kernel settled. */
  freeze(cgroupsPath: string, frozen: boolean): Promise<void>;
  /** True while the cgroup is frozen or freezing. */
  isFrozen(cgroupsPath: string): boolean;
  /** Resource usage in runc's shape. */
  stats(cgroupsPath: string): Promise<Stats>;
  /** How many processes the OOM killer killed in the cgroup so far. */
  oomKills(cgroupsPath: string): Promise<number>;
  /** The file whose `oom_kill N` line counts those kills (read by ce-monitor), when the cgroup has one. */
  oomKillsFile?(cgroupsPath: string): string | undefined;
}
