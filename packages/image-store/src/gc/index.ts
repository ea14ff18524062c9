export { collectGarbage, type GcResult } from './collect.js';
export { checkStore, type Finding, type FindingKind, type CheckOptions } from './check.js';
export { markFromTargets, type Reachable } from './reachable.js';
export { pruneImages, type PruneImagesParts } from './prune-images.js';
