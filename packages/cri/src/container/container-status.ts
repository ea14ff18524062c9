// A container's record as the CRI shows it: its state, exit reason and image
// (containerd's toCRIContainerStatus and toCRIContainer).
import { ContainerConfig, ContainerState, type Container, type ContainerStatus } from '../gen/runtime/v1/api.js';
import type { ImageNames } from './container-deps.js';
import type { ContainerRecord } from './container-store.js';

export function criState(record: ContainerRecord): ContainerState {
  return record.state === 'created' ? ContainerState.CONTAINER_CREATED : record.state === 'running' ? ContainerState.CONTAINER_RUNNING : ContainerState.CONTAINER_EXITED;
}

/** containerd's words for a state in its errors ("container is in CONTAINER_EXITED state"). */
export function stateName(record: ContainerRecord): string {
  return ContainerState[criState(record)];
}

/** An exited container's reason: its own (OOMKilled, StartError, Unknown), else Completed for 0 and Error for the rest. */
export function exitReason(record: ContainerRecord): string {
  if (record.state !== 'exited') return '';
  return record.reason || (record.exitCode === 0 ? 'Completed' : 'Error');
}

/** The image as containerd names it: the first tag (else the reference given) and the first digest reference (else the id). */
export function imageNames(record: ContainerRecord, image: ImageNames | undefined): { image: string; imageRef: string } {
  return { image: image?.repoTags[0] ?? record.imageName, imageRef: image?.repoDigests[0] ?? record.imageId };
}

/** The fields ContainerStatus and a ListContainers item share: the container's names, its image as containerd names it, its state. */
function commonFields(record: ContainerRecord, config: ContainerConfig, image: ImageNames | undefined) {
  const names = imageNames(record, image);
  return {
    id: record.id,
    metadata: config.metadata,
    image: { image: names.image, annotations: config.image?.annotations ?? {}, userSpecifiedImage: record.imageName, runtimeHandler: '' },
    imageRef: names.imageRef,
    state: criState(record),
    createdAt: BigInt(record.createdAt),
    labels: config.labels,
    annotations: config.annotations,
    imageId: record.imageId,
  };
}

export function containerStatus(record: ContainerRecord, image: ImageNames | undefined): ContainerStatus {
  const config = ContainerConfig.fromJSON(record.config);
  return {
    ...commonFields(record, config, image),
    startedAt: BigInt(record.startedAt),
    finishedAt: BigInt(record.finishedAt),
    exitCode: record.state === 'exited' ? record.exitCode : 0,
    reason: exitReason(record),
    message: record.message,
    mounts: config.mounts,
    logPath: record.logPath,
    resources: config.linux?.resources ? { linux: config.linux.resources, windows: undefined } : undefined,
    user: undefined,
  };
}

export function containerItem(record: ContainerRecord, image: ImageNames | undefined): Container {
  return { ...commonFields(record, ContainerConfig.fromJSON(record.config), image), podSandboxId: record.sandboxId };
}

/** The filters of ListContainers and ListContainerStats: id and sandbox id (or prefixes), label selector. */
export function matchesFilter(record: ContainerRecord, filter: { id: string; podSandboxId: string; labelSelector: Record<string, string> } | undefined): boolean {
  if (!filter) return true;
  if (filter.id && !record.id.startsWith(filter.id)) return false;
  if (filter.podSandboxId && !record.sandboxId.startsWith(filter.podSandboxId)) return false;
  const { labels } = ContainerConfig.fromJSON(record.config);
  return Object.entries(filter.labelSelector).every(([k, v]) => labels[k] === v);
}
