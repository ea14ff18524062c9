// ced's V8 heap grows in big steps (docs/decisions/0060-ced-heap-growth.md).
// Streams of 1 MiB messages (cp, load, save, logs) keep tens of MiB of
// buffers alive for a moment; counted against the limit V8 derives from
// ced's small heap (~20 MB live), they set off a full mark-compact every few
// MiB, which was half of ced's CPU in a 100 MiB `ce cp`. A larger growing
// factor after each collection leaves room for them.
import { setFlagsFromString } from 'node:v8';

/** V8's growing factor after a mark-compact, as a percentage over the live heap (V8 picks 10–300% itself). */
export const HEAP_GROWING_PERCENT = 300;

export function growHeapInBigSteps(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
