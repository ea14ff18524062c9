import { adaptService, internal, type PromiseService } from '@ce/protocol';
import { Kind, SnapshotsService, type SnapshotInfo as SnapshotInfoPb } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import type { SnapshotInfo, SnapshotKind, SnapshotService } from '../snapshots/snapshot-service.js';

const LIST_BATCH = 256;

const KIND_TO_PB: Record<SnapshotKind, Kind> = { committed: Kind.KIND_COMMITTED, active: Kind.KIND_ACTIVE, view: Kind.KIND_VIEW };

export function snapshotKindToPb(kind: SnapshotKind): Kind {
  return KIND_TO_PB[kind];
}

/** The kind a Kind names; undefined for KIND_UNSPECIFIED (a list of every kind). */
export function snapshotKindFromPb(kind: Kind): SnapshotKind | undefined {
  const found = (Object.keys(KIND_TO_PB) as SnapshotKind[]).find((k) => KIND_TO_PB[k] === kind);
  if (!found && kind !== Kind.KIND_UNSPECIFIED) throw internal(`unknown snapshot kind ${kind}`);
  return found;
}

export function snapshotInfoToPb(info: SnapshotInfo): SnapshotInfoPb {
  return { key: info.key, kind: snapshotKindToPb(info.kind), parent: info.parent ?? '', labels: info.labels, createdAt: info.createdAt };
}

/** ce.snapshots.v1.Snapshots over any SnapshotService: a thin adapter, nothing more. */
export function snapshotsServiceImpl(snapshots: SnapshotService): PromiseService<SnapshotsService> {
  return {
    async prepare(req) {
      return { mounts: await snapshots.prepare(req.key, req.parent || undefined, req.labels) };
    },
    async view(req) {
      return { mounts: await snapshots.view(req.key, req.parent || undefined, req.labels) };
    },
    async mounts(req) {
      return { mounts: await snapshots.mounts(req.key) };
    },
    async commit(req) {
      return snapshotInfoToPb(await snapshots.commit(req.name, req.key, req.replaceLabels ? req.labels : undefined));
    },
    async remove(req) {
      await snapshots.remove(req.key);
      return {};
    },
    async stat(req) {
      return snapshotInfoToPb(await snapshots.stat(req.key));
    },
    async update(req) {
      return snapshotInfoToPb(await snapshots.update(req.key, req.labels));
    },
    async usage(req) {
      return snapshots.usage(req.key);
    },
    async *list(req) {
      const kind = snapshotKindFromPb(req.kind);
      const all: SnapshotInfoPb[] = [];
      await snapshots.walk((info) => void all.push(snapshotInfoToPb(info)), {
        ...(kind ? { kind } : {}),
        ...(req.parent ? { parent: req.parent } : {}),
        labels: req.filters,
      });
      for (let at = 0; at < all.length; at += LIST_BATCH) yield { info: all.slice(at, at + LIST_BATCH) };
    },
  };
}

/** [definition, handlers], ready for `serveUnix(path, [snapshotsGrpcService(snapshotter)])`. */
export function snapshotsGrpcService(snapshots: SnapshotService): [typeof SnapshotsService, ReturnType<typeof adaptService>] {
  return [SnapshotsService, adaptService(SnapshotsService, snapshotsServiceImpl(snapshots))];
}
