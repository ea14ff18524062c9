// CRI containers' records, one JSON file each under <root>/cri/containers, so
// that a ced restart (or kill -9) keeps them; names reserved as containerd
// reserves them.
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { RecordStore } from '../record-store.js';

export type ContainerRecordState = 'created' | 'running' | 'exited';

export interface ContainerRecord {
  id: string;
  /** containerd's container name, reserved while the record exists: <name>_<pod name>_<pod namespace>_<pod uid>_<attempt>. */
  name: string;
  sandboxId: string;
  /** The ContainerConfig as the kubelet sent it (ContainerConfig.toJSON). */
  config: unknown;
  /** The image id the container was made from, and the reference the kubelet gave. */
  imageId: string;
  imageName: string;
  /** The image config's stop signal (a name or number; '' for SIGTERM). */
  stopSignal: string;
  /** Nanoseconds since the epoch, as decimal strings (beyond Number's precision); '0' until it happens. */
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  state: ContainerRecordState;
  pid: number;
  exitCode: number;
  /** Set when the container ended other than by itself (StartError, OOMKilled, Unknown), with a message. */
  reason: string;
  message: string;
  /** The writable layer (a ce.snapshots.v1 key) and the OCI bundle. */
  rootfsKey: string;
  bundle: string;
  /** The kubelet's log file (<pod log_directory>/<log_path>); '' for none. */
  logPath: string;
  /** The writable layer's mounts, for the task's CreateTask. */
  rootfs: Mount[];
  /** The OCI runtime of the pod's runtime handler ('' for ced's default). */
  runtime: string;
  runtimePath: string;
}

export function containerName(container: { name: string; attempt: number }, pod: { name: string; namespace: string; uid: string }): string {
  return [container.name, pod.name, pod.namespace, pod.uid, String(container.attempt)].join('_');
}

export class ContainerStore extends RecordStore<ContainerRecord> {
  static async open(dir: string): Promise<ContainerStore> {
    const store = new ContainerStore(dir, {
      notFound: (id) => `an error occurred when try to find container ${JSON.stringify(id)}: not found`,
      reserved: (name, holder) => `failed to reserve container name ${JSON.stringify(name)}: name ${JSON.stringify(name)} is reserved for ${JSON.stringify(holder)}`,
    });
    await store.load();
    return store;
  }
}
