// What `ce info` shows, gathered as dockerd's system info does.
import { randomUUID } from 'node:crypto';
import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
  /** Containers' default log driver. */
  loggingDriver: string;
  /** The init binary --init mounts, when there is one. */
  initBinary?: string;
  debug: boolean;
  insecureRegistries: string[];
  registryMirrors: string[];
  networkPlugins: string[];
  logPlugins: string[];
}

/** statfs magic numbers → the names docker info gives backing filesystems. */
const FILESYSTEMS: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6a656a63: 'fakeowner',
};

function backingFilesystem(dir: string): string {
  try {
    const type = Number(statfsSync(dir).type);
    return FILESYSTEMS[type] ?? `<unknown> (0x${type.toString(16)})`;
  } catch {
    return '<unknown>';
  }
}

/** A stable id of this root, made on first use (docker info's ID; dockerd keeps its own in its root too). */
export function engineId(root: string): string {
  const file = join(root, 'engine-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    try {
      writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
      return id;
    } catch {
      // Another info made it first: its id is the one.
      return readFileSync(file, 'utf8').trim();
    }
  }
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
    storageDriver: 'overlay2',
    backingFilesystem: backingFilesystem(src.storageRoot),
    loggingDriver: src.loggingDriver,
    initBinary: src.initBinary ? basename(src.initBinary) : '',
    id: engineId(src.storageRoot),
    debug: src.debug,
    insecureRegistries: src.insecureRegistries,
    registryMirrors: src.registryMirrors,
    liveRestore: true,
    networkPlugins: src.networkPlugins,
    logPlugins: src.logPlugins,
  };
}
