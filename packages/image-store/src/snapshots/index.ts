export { snapshotMatches, type Mount, type SnapshotFilter, type SnapshotInfo, type SnapshotKind, type SnapshotService, type SnapshotUsage } from './snapshot-service.js';
export { OverlaySnapshotter, type OverlaySnapshotInfo, type SnapshotterOptions } from './overlay.js';
export { writeDiff } from './diff.js';
