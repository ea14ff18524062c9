// The snapshotter's face (containerd's snapshots.Snapshotter): snapshots by
// key, each committed (read-only, may be a parent), active (writable, from
// prepare) or a view (read-only, from view), over an optional committed
// parent. OverlaySnapshotter implements it on overlayfs; SnapshotsGrpcClient
// over ce.snapshots.v1.Snapshots. Mounts are ce.types.v1.Mount objects the
// caller performs (the shim, or a library user).
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { hasLabel } from '../prune-filter.js';

export type { Mount };

export type SnapshotKind = 'committed' | 'active' | 'view';

export interface SnapshotInfo {
  key: string;
  kind: SnapshotKind;
  /** Key of the committed snapshot below this one. */
  parent?: string;
  labels: Record<string, string>;
  createdAt: Date;
}

/** What a snapshot's own files take (an active snapshot's writable layer, a committed layer). */
export interface SnapshotUsage {
  /** Bytes of regular files and symlinks, each hard-linked inode once. */
  size: number;
  /** Files, directories and other entries. */
  inodes: number;
}

/** Which snapshots walk() visits; every given field must match. */
export interface SnapshotFilter {
  kind?: SnapshotKind;
  parent?: string;
  /** Docker's label filter terms: "key" or "key=value". */
  labels?: string[];
}

export interface SnapshotService {
  /** NotFound "snapshot <key> does not exist". */
  stat(key: string): Promise<SnapshotInfo>;
  /** Sets the given labels (an empty value removes that label); the others stay. */
  update(key: string, labels: Record<string, string>): Promise<SnapshotInfo>;
  /** A writable snapshot over the committed `parent` (none: empty); returns the mounts that assemble it. */
  prepare(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** A read-only snapshot of the committed `parent`. */
  view(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** Turns the active snapshot `key` into the committed snapshot `name` (labels: the active one's unless given). */
  commit(name: string, key: string, labels?: Record<string, string>): Promise<SnapshotInfo>;
  /** Refused (FailedPrecondition) while another snapshot is built on it. */
  remove(key: string): Promise<void>;
  mounts(key: string): Promise<Mount[]>;
  usage(key: string): Promise<SnapshotUsage>;
  walk(visit: (info: SnapshotInfo) => void | Promise<void>, filter?: SnapshotFilter): Promise<void>;
}

/** Whether `info` passes `filter` (label terms as Docker's label filter). */
export function snapshotMatches(info: SnapshotInfo, filter: SnapshotFilter): boolean {
  return (
    (filter.kind === undefined || info.kind === filter.kind) &&
    (filter.parent === undefined || info.parent === filter.parent) &&
    (filter.labels ?? []).every((t) => hasLabel(info.labels, t))
  );
}
