// `docker history`: one row per history entry of an image config, newest
// first. A row shows an image id where a local image ends at that entry (the
// image itself, or an image it was committed or built on), else Docker's
// `<missing>`.
import type { OciImageConfig } from '../oci/types.js';

export interface HistoryRow {
  /** "sha256:…", or "" where no local image ends here (the CLI prints <missing>). */
  id: string;
  created?: Date;
  createdBy: string;
  /** Bytes of the entry's layer; 0 for an empty layer. */
  size: number;
  comment: string;
  /** Familiar names of `id` ("busybox:latest"). */
  tags: string[];
}

export interface HistoryImage {
  id: string;
  config: OciImageConfig;
  tags: string[];
}

/**
 * The rows of `image`. `layerSize(i)` gives the size of its i-th layer;
 * `others` are the local images whose ids can be shown for earlier entries.
 */
export function imageHistory(image: HistoryImage, layerSize: (index: number) => number, others: readonly HistoryImage[]): HistoryRow[] {
  const entries = image.config.history ?? [];
  const diffIds = image.config.rootfs.diff_ids;
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const [i, h] of entries.entries()) {
    const hasLayer = !h.empty_layer && layer < diffIds.length;
    const ancestor = i === entries.length - 1 ? image : others.find((o) => endsAt(o.config, image.config, i, hasLayer ? layer + 1 : layer));
    rows.push({
      id: ancestor?.id ?? '',
      created: h.created ? new Date(h.created) : undefined,
      createdBy: h.created_by ?? '',
      size: hasLayer ? layerSize(layer) : 0,
      comment: h.comment ?? '',
      tags: ancestor?.tags ?? [],
    });
    if (hasLayer) layer++;
  }
  if (entries.length === 0) {
    // An image with no history (some hand-made ones): one row per layer, as Docker shows.
    diffIds.forEach((_, i) => rows.push({ id: i === diffIds.length - 1 ? image.id : '', createdBy: '', size: layerSize(i), comment: '', tags: i === diffIds.length - 1 ? image.tags : [] }));
  }
  return rows.reverse();
}

/** Whether `other`'s history and layers are exactly `config`'s first `entries + 1` entries and `layers` layers. */
function endsAt(other: OciImageConfig, config: OciImageConfig, entry: number, layers: number): boolean {
  const h = other.history ?? [];
  const d = other.rootfs.diff_ids;
  if (h.length !== entry + 1 || d.length !== layers) return false;
  const mine = config.history ?? [];
  return h.every((x, i) => JSON.stringify(x) === JSON.stringify(mine[i])) && d.every((x, i) => x === config.rootfs.diff_ids[i]);
}
