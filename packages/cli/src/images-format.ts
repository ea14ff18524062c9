// docker images --format: the imageContext (cli/command/formatter/image.go)
// a template sees for each image row, its column names and default tables.
import { GO_MARSHAL, GO_TYPE, type GoStruct } from './format/go-values.js';
import { goTimeString } from './go-time.js';
import { humanDuration, humanSize } from './humanize.js';

export const IMAGES_TABLE_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_DIGESTS_TABLE_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export function imagesFormat(format: string | undefined, quiet: boolean, digests: boolean): string {
  if (format === undefined || format === 'table') {
    if (quiet) return '{{.ID}}';
    return digests ? IMAGES_DIGESTS_TABLE_FORMAT : IMAGES_TABLE_FORMAT;
  }
  if (format === 'raw') {
    if (quiet) return 'image_id: {{.ID}}';
    const digest = digests ? 'digest: {{.Digest}}\\n' : '';
    return `repository: {{ .Repository }}\\ntag: {{.Tag}}\\n${digest}image_id: {{.ID}}\\ncreated_at: {{.CreatedAt}}\\nvirtual_size: {{.Size}}\\n`;
  }
  return format;
}

export function imagesHeader(): GoStruct {
  return {
    ID: 'IMAGE ID',
    Repository: 'REPOSITORY',
    Tag: 'TAG',
    Digest: 'DIGEST',
    CreatedSince: 'CREATED',
    CreatedAt: 'CREATED AT',
    Size: 'SIZE',
    VirtualSize: 'SIZE',
    SharedSize: 'SHARED SIZE',
    UniqueSize: 'UNIQUE SIZE',
    Containers: 'CONTAINERS',
  };
}


export interface ImageRow {
  repository: string;
  tag: string;
  /** The manifest digest the row's repository was pulled by, or none. */
  digest?: string;
  id: string;
  createdAt?: Date;
  size: number;
}

export function imageContext(row: ImageRow, o: { trunc: boolean; now: number }): GoStruct {
  const context: GoStruct = {
    [GO_TYPE]: '*formatter.imageContext',
    ID: o.trunc ? row.id.replace(/^sha256:/, '').slice(0, 12) : row.id,
    Repository: row.repository,
    Tag: row.tag,
    Digest: row.digest ?? '<none>',
    CreatedSince: row.createdAt ? `${humanDuration(o.now - row.createdAt.getTime())} ago` : 'N/A',
    CreatedAt: row.createdAt ? goTimeString(new Date(Math.floor(row.createdAt.getTime() / 1000) * 1000)) : goTimeString(new Date(0)),
    Size: humanSize(row.size),
    VirtualSize: humanSize(row.size, 4),
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    Containers: 'N/A',
  };
  context[GO_MARSHAL] = () => new Map(Object.entries(context).filter(([, v]) => typeof v === 'string'));
  return context;
}
