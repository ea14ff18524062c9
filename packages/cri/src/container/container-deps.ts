// What the container RPCs act through: ced's supervisor (a container is a task
// in k8s.io whose id is the CRI container id), its image store (the image's
// config, the writable layer) and the pod sandboxes. Interfaces, so unit tests
// serve fakes.
import type { CreateTaskRequest, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import type { CgroupStats, Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ExitStatus } from '@ce/protocol/gen/ce/types/v1/task';
import type { SandboxRecord } from '../sandbox/sandbox-store.js';

export interface ContainerTasks {
  create(request: CreateTaskRequest): Promise<{ pid: number }>;
  start(id: string): Promise<{ pid: number }>;
  /** `all`: every process of the container, not only its init. */
  kill(id: string, signal: number, all?: boolean): Promise<void>;
  /** Resolves with the exit once the task's process has exited. */
  wait(id: string): Promise<ExitStatus>;
  /** NotFound when there is no such task. */
  delete(id: string): Promise<void>;
  /** NotFound when there is no such task. */
  state(id: string): Promise<StateResponse>;
  stats(id: string): Promise<CgroupStats>;
  update(id: string, resources: Resources): Promise<void>;
  reopenLog(id: string): Promise<void>;
  /** The ids of the running tasks in `namespace` whose owner label is `owner` (one ListTasks). */
  running(namespace: string, owner: string): Promise<Set<string>>;
}

/** An image as a container uses it. */
export interface ContainerImage {
  /** The image id (sha256:...): the container's image_ref. */
  id: string;
  /** The OCI image config's `config` section (Env, Entrypoint, Cmd, WorkingDir, User, StopSignal). */
  config: ImageRunConfig;
}

/** An image's names, as ContainerStatus gives them. */
export interface ImageNames {
  repoTags: string[];
  repoDigests: string[];
}

export interface ImageRunConfig {
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
}

export interface ContainerImages {
  /** The image a reference names (as ImageStatus resolves it; its config inspected once per id); NotFound in containerd's words when absent. */
  resolve(reference: string): Promise<ContainerImage>;
  /** The names of the image with this id (one List); undefined when it is gone. */
  names(imageId: string): Promise<ImageNames | undefined>;
  /** The container's writable layer over the image. */
  prepare(key: string, imageId: string, labels: Record<string, string>): Promise<Mount[]>;
  /** Nothing to do when absent. */
  remove(key: string): Promise<void>;
  /** Bytes and inodes the writable layer uses. */
  usage(key: string): Promise<{ bytes: number; inodes: number }>;
  /** The keys of the writable layers whose owner label is `owner`. */
  keys(owner: string): Promise<string[]>;
}

/** The pod sandboxes a container belongs to. */
export interface ContainerSandboxes {
  /** NotFound when there is no such sandbox. */
  get(id: string): SandboxRecord;
  /** Whether the sandbox's pause runs. */
  isReady(record: SandboxRecord): Promise<boolean>;
}

/** Lifecycle events for GetContainerEvents (wired by whoever serves it). */
export interface ContainerEvents {
  containerEvent(type: 'created' | 'started' | 'stopped' | 'deleted', containerId: string, sandboxId: string): void;
}
