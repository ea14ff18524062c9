// What the pod sandbox RPCs act through: ced's supervisor (tasks in the k8s.io
// namespace), its image store (the pause's root filesystem), pinned network
// namespaces and a CNI network. Interfaces, so unit tests serve fakes.
import type { CniCallOptions, CniResult } from '@ce/network/cni';
import type { CreateTaskRequest, StateResponse } from '@ce/protocol/gen/ce/shim/v1/shim';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';

export interface SandboxTasks {
  create(request: CreateTaskRequest): Promise<{ pid: number }>;
  start(id: string): Promise<{ pid: number }>;
  kill(id: string, signal: number, all?: boolean): Promise<void>;
  /** Resolves when the task's process has exited. */
  wait(id: string): Promise<unknown>;
  /** NotFound when there is no such task. */
  delete(id: string): Promise<void>;
  /** NotFound when there is no such task. */
  state(id: string): Promise<StateResponse>;
  /** The task's cgroup figures. */
  stats(id: string): Promise<CgroupStats>;
  /** The ids of the tasks in `namespace` whose owner label is `owner`. */
  list(namespace: string, owner: string): Promise<string[]>;
  /** The ids of the running tasks in `namespace` whose owner label is `owner` (one call, for listings). */
  running(namespace: string, owner: string): Promise<Set<string>>;
}

export interface SandboxRootfs {
  ensureImage(): Promise<string>;
  prepare(key: string, image: string, labels: Record<string, string>): Promise<Mount[]>;
  /** Nothing to do when absent. */
  remove(key: string): Promise<void>;
  /** The keys of the writable layers whose owner label is `owner`. */
  keys(owner: string): Promise<string[]>;
}

export interface NetnsPins {
  create(path: string): Promise<void>;
  /** Nothing to do when absent. */
  remove(path: string): Promise<void>;
}

export interface PodNetwork {
  readonly name: string;
  add(containerId: string, netnsPath: string, ifName: string, opts: CniCallOptions): Promise<CniResult>;
  del(containerId: string, netnsPath: string, ifName: string, opts?: CniCallOptions): Promise<void>;
}

export interface SandboxRuntimes {
  /** The OCI runtime for a handler: '' and "ce" are the shim's own; NotFound for one ced does not offer. */
  resolve(handler: string): Promise<{ runtime: string; runtimePath: string }>;
}

export interface SandboxShm {
  mount(path: string): Promise<void>;
  /** Nothing to do when it is not mounted. */
  unmount(path: string): Promise<void>;
}
