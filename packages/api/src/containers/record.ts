import type { LogConfig } from '@ce/protocol';
import type { SecurityConfig } from './security-options.js';

/** What ced keeps of a container, in <root>/containers/<id>/config.json. */
export interface ContainerRecord {
  id: string;
  name: string;
  /** The image as the user named it. */
  image: string;
  /** The image's id (config digest) at create time: the container keeps using it. */
  imageId: string;
  createdAt: string;
  config: ContainerConfig;
  /** Privileged, CapAdd, CapDrop, SecurityOpt; absent in records written before they existed. */
  hostConfig?: SecurityConfig;
  /**
   * Docker's HostConfig.LogConfig, ced's defaults merged in at create; absent in records
   * written before log drivers: json-file, never rotated.
   */
  logConfig?: LogConfig;
  /** The process the container runs: entrypoint and command resolved against the image. */
  pathAndArgs: string[];
  state: ContainerRunState;
}

export interface ContainerConfig {
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  autoRemove: boolean;
  tty: boolean;
  openStdin: boolean;
  labels: Record<string, string>;
  /** --stop-signal or the image's STOPSIGNAL; absent or empty: SIGTERM. */
  stopSignal?: string;
  /** --stop-timeout in seconds; absent: 10. Negative: stop waits forever. */
  stopTimeout?: number;
}

export type ContainerStatus = 'created' | 'running' | 'removing' | 'exited' | 'dead';

export interface ContainerRunState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}
