import type { ContainerResources } from './resources.js';
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
  /** Limits set by docker update (later also by run --memory …); absent: none. */
  resources?: ContainerResources;
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

export type ContainerStatus = 'created' | 'running' | 'paused' | 'removing' | 'exited' | 'dead';

/** Docker's State.Running: a paused container is still running, only frozen. */
export function isRunning(state: ContainerRunState): boolean {
  return state.status === 'running' || state.status === 'paused';
}

export interface ContainerRunState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}
