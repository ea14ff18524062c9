export { OverlaySnapshotter, type Mount, type SnapshotInfo, type SnapshotKind, type SnapshotterOptions } from './overlay.js';
export { writeDiff } from './diff.js';
