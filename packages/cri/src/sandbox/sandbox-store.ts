// Pod sandboxes' records, one JSON file each under <root>/sandboxes, so that a
// ced restart keeps them (the CRI's state dir is on /run). A record holds what
// containers need to join the pod later: the netns path and the pause's pid.
import { RecordStore } from '../record-store.js';

export type SandboxState = 'ready' | 'notready';

export interface SandboxRecord {
  id: string;
  /** containerd's sandbox name, reserved while the record exists: k8s_POD_<name>_<namespace>_<uid>_<attempt>. */
  name: string;
  /** The PodSandboxConfig as the kubelet sent it (PodSandboxConfig.toJSON). */
  config: unknown;
  runtimeHandler: string;
  /** Nanoseconds since the epoch, as a decimal string (beyond Number's precision). */
  createdAt: string;
  state: SandboxState;
  /** The pause task's pid while it runs; 0 once stopped. */
  pid: number;
  /** The pinned network namespace containers join; '' with the host's network. */
  netnsPath: string;
  /** The CNI network the sandbox is attached to, and the addresses it got. */
  cniNetwork: string;
  ips: string[];
  /** The pause's writable layer (a ce.snapshots.v1 key) and OCI bundle. */
  rootfsKey: string;
  bundle: string;
  /** The pod's resolv.conf, hostname and hosts, for its containers to mount. */
  resolvConfPath: string;
  hostnamePath: string;
  /** The pod's /dev/shm (a tmpfs on the host) its containers bind; '' with the host's ipc, or for a record from before it existed. */
  shmPath?: string;
}

export function sandboxName(meta: { name: string; namespace: string; uid: string; attempt: number }): string {
  return ['k8s', 'POD', meta.name, meta.namespace, meta.uid, String(meta.attempt)].join('_');
}

export class SandboxStore extends RecordStore<SandboxRecord> {
  static async open(dir: string): Promise<SandboxStore> {
    const store = new SandboxStore(dir, {
      notFound: (id) => `an error occurred when try to find sandbox: not found: sandbox ${JSON.stringify(id)}`,
      reserved: (name, holder) => `failed to reserve sandbox name ${JSON.stringify(name)}: name ${JSON.stringify(name)} is reserved for ${JSON.stringify(holder)}`,
    });
    await store.load();
    return store;
  }
}
