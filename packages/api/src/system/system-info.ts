// What `ce info` shows, gathered as dockerd's system info does.
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, release, totalmem } from 'node:os';
import type { InfoResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { ENGINE_VERSION } from '../version.js';

export interface SystemInfoSources {
  /** Every container's status (created, running, exited…). */
  containerStatuses(): string[];
  imageIds(): Promise<string[]>;
  storageRoot: string;
  /** The cgroup layout ced detected: v1, v2 or hybrid. */
  cgroupMode: string;
  /** ced's default seccomp profile: "default", "unconfined" or a file. */
  seccompProfile: string;
  /** The runtimes containers may name, and the one they get when they name none. */
  runtimes: string[];
  defaultRuntime: string;
}

/** PRETTY_NAME of os-release, as docker info's "Operating System". */
function operatingSystem(): string {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync(file, 'utf8'));
      if (m) return m[1]!;
    } catch {
      // try the next one
    }
  }
  return process.platform;
}

export async function systemInfo(src: SystemInfoSources): Promise<InfoResponse> {
  const statuses = src.containerStatuses();
  const running = statuses.filter((s) => s === 'running').length;
  const paused = statuses.filter((s) => s === 'paused').length;
  return {
    serverVersion: ENGINE_VERSION,
    containers: statuses.length,
    containersRunning: running,
    containersPaused: paused,
    containersStopped: statuses.length - running - paused,
    images: new Set(await src.imageIds()).size,
    storageRoot: src.storageRoot,
    cgroupDriver: 'cgroupfs',
    // Docker reports a hybrid host (v1 controllers, empty v2 tree) as version 1.
    cgroupVersion: src.cgroupMode === 'v2' ? '2' : '1',
    kernelVersion: release(),
    operatingSystem: operatingSystem(),
    osType: process.platform,
    architecture: { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l' }[process.arch as string] ?? process.arch,
    ncpu: availableParallelism(),
    memTotal: totalmem(),
    name: hostname(),
    securityOptions: [`name=seccomp,profile=${src.seccompProfile}`],
    defaultRuntime: src.defaultRuntime,
    runtimes: src.runtimes,
  };
}
