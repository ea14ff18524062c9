// Pod sandboxes' records, one JSON file each under <root>/sandboxes, so that a
// ced restart keeps them (the CRI's state dir is on /run). A record holds what
// containers need to join the pod later: the netns path and the pause's pid.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, notFound } from '@ce/protocol';

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
}

export function sandboxName(meta: { name: string; namespace: string; uid: string; attempt: number }): string {
  return ['k8s', 'POD', meta.name, meta.namespace, meta.uid, String(meta.attempt)].join('_');
}

export class SandboxStore {
  private readonly records = new Map<string, SandboxRecord>();

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<SandboxStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new SandboxStore(dir);
    for (const file of await readdir(dir)) {
      if (!file.endsWith('.json')) continue;
      const record = JSON.parse(await readFile(join(dir, file), 'utf8')) as SandboxRecord;
      store.records.set(record.id, record);
    }
    return store;
  }

  list(): SandboxRecord[] {
    return [...this.records.values()];
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  get(id: string): SandboxRecord {
    const record = this.find(id);
    if (!record) throw notFound(`an error occurred when try to find sandbox: not found: sandbox ${JSON.stringify(id)}`);
    return record;
  }

  /** The sandbox whose id is `idOrPrefix` or the only one starting with it. */
  find(idOrPrefix: string): SandboxRecord | undefined {
    if (!idOrPrefix) return undefined;
    const exact = this.records.get(idOrPrefix);
    if (exact) return exact;
    const matches = this.list().filter((r) => r.id.startsWith(idOrPrefix));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Reserves the record's name; AlreadyExists, in containerd's words, when another sandbox holds it. */
  reserve(record: SandboxRecord): void {
    const holder = this.list().find((r) => r.name === record.name);
    if (holder) throw alreadyExists(`failed to reserve sandbox name ${JSON.stringify(record.name)}: name ${JSON.stringify(record.name)} is reserved for ${JSON.stringify(holder.id)}`);
    this.records.set(record.id, record);
  }

  async save(record: SandboxRecord): Promise<void> {
    this.records.set(record.id, record);
    const file = join(this.dir, `${record.id}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}
