// The lease contract shared by the pull/push code (src/registry/) and the
// garbage collector (src/gc/): what a lease protects is never collected, so a
// pull in flight keeps the blobs and snapshots it has committed but no image
// names yet. Leases are persisted under <root>/leases/ so that another process
// (ced, a library user) sees them; a lease whose owning process is gone, or
// whose expiry has passed, protects nothing.

/** What a lease can hold on to. */
export type LeaseResourceKind = 'content' | 'snapshot' | 'ingest';

export interface LeaseResource {
  kind: LeaseResourceKind;
  /** A blob digest (`content`), a snapshot key (`snapshot`), an ingest ref (`ingest`). */
  id: string;
}

export interface LeaseOptions {
  /** Free text shown by a consistency check, e.g. `pull docker.io/library/busybox:latest`. */
  reason?: string;
  /** The lease protects nothing after this long, even if its owner is alive (default 24 h, as containerd's pull leases). */
  expiresInMs?: number;
}

export interface Lease {
  readonly id: string;
  /** Protects a resource from collection; call before or right after committing it. */
  add(resource: LeaseResource): Promise<void>;
  /** Ends the lease; what it held becomes collectable unless something else references it. */
  release(): Promise<void>;
}

export interface LeaseManager {
  create(options?: LeaseOptions): Promise<Lease>;
}
