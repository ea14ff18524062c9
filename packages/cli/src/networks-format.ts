// docker network ls --format: the networkContext (cli/command/formatter's
// network.go, 20.10) a template sees for each network, its column names,
// the default table, and the order docker lists networks in.
import type { Network } from '@ce/protocol/gen/ce/network/v1/network';
import { GO_MARSHAL, GO_TYPE, type GoStruct } from './format/go-values.js';
import { goTimeStringOfRfc3339 } from './go-time.js';

export const NETWORKS_TABLE_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export function networksFormat(format: string | undefined, quiet: boolean): string {
  if (format === undefined || format === 'table') return quiet ? '{{.ID}}' : NETWORKS_TABLE_FORMAT;
  if (format === 'raw') return quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  return format;
}

export function networksHeader(): GoStruct {
  return {
    ID: 'NETWORK ID',
    Name: 'NAME',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    IPv6: 'IPV6',
    Internal: 'INTERNAL',
    Labels: 'LABELS',
    CreatedAt: 'CREATED AT',
    Label: (name: string) => name.split('.').pop()!.replace(/[-_]/g, ' '),
  };
}

export function networkContext(n: Network, o: { trunc: boolean }): GoStruct {
  const labels = n.labels ?? {};
  const context: GoStruct = {
    [GO_TYPE]: '*formatter.networkContext',
    ID: o.trunc ? n.id.slice(0, 12) : n.id,
    Name: n.name,
    Driver: n.driver,
    Scope: n.scope,
    IPv6: String(n.enableIpv6),
    Internal: String(n.internal),
    // Go's map order is random; sorted here so the column is stable.
    Labels: Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(','),
    CreatedAt: goTimeStringOfRfc3339(n.created),
    Label: (name: string) => labels[name] ?? '',
  };
  context[GO_MARSHAL] = () => new Map(Object.entries(context).filter(([, v]) => typeof v === 'string'));
  return context;
}

/** fvbommel/sortorder's NaturalLess as a comparator: runs of digits compare by value ("n2" before "n10"). */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (digits) {
      const [tx, ty] = [x.replace(/^0+/, ''), y.replace(/^0+/, '')];
      if (tx.length !== ty.length) return tx.length - ty.length;
      if (tx !== ty) return tx < ty ? -1 : 1;
      // Equal values: fewer leading zeros first.
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
