// docker volume ls --format: the volumeContext (cli/command/formatter/volume.go)
// a template sees for each volume, its column names and default table.
import { GO_TYPE, type GoStruct } from './format/go-values.js';

export const VOLUMES_TABLE_FORMAT = 'table {{.Driver}}\t{{.Name}}';

export function volumesFormat(format: string | undefined, quiet: boolean): string {
  if (format === undefined || format === 'table') return quiet ? '{{.Name}}' : VOLUMES_TABLE_FORMAT;
  if (format === 'raw') return quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
  return format;
}

export function volumesHeader(): GoStruct {
  return { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' };
}

/** Docker's VolumeJSON as the daemon sends it. */
export interface VolumeView {
  Name: string;
  Driver: string;
  Scope: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
}

export function volumeContext(v: VolumeView): GoStruct {
  const labels = v.Labels ?? {};
  return {
    [GO_TYPE]: '*formatter.volumeContext',
    Name: v.Name,
    Driver: v.Driver,
    Scope: v.Scope,
    Mountpoint: v.Mountpoint,
    Labels: Object.entries(labels)
      .map(([k, val]) => `${k}=${val}`)
      .join(','),
    Label: (name: string) => labels[name] ?? '',
    // Usage data is not asked for by `volume ls`: Docker prints N/A.
    Links: 'N/A',
    Size: 'N/A',
  };
}

/** docker/cli's sortorder.NaturalLess: runs of digits compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const pd = /^\d/.test(p);
    const qd = /^\d/.test(q);
    if (pd && qd) {
      const n = BigInt(p) - BigInt(q);
      if (n !== 0n) return n < 0n;
      return p.length < q.length;
    }
    if (pd !== qd) return pd; // digits before other characters
    return p < q;
  }
  return x.length < y.length;
}
