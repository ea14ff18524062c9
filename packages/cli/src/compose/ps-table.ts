// docker-compose 1.29's ps table (texttable with a header rule): Name,
// Command (cut to 26 characters and " ..." past 30), State ("Up (healthy)",
// "Exit 0"), Ports ("127.0.0.1:8080->80/tcp").
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';

interface InspectShape {
  Path?: string;
  Args?: string[];
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
  State?: { Status?: string; Running?: boolean; Paused?: boolean; Restarting?: boolean; ExitCode?: number; Health?: { Status?: string } };
}

export function humanCommand(c: Container, inspect: InspectShape): string {
  const words = inspect.Path !== undefined ? [inspect.Path, ...(inspect.Args ?? [])] : c.pathAndArgs;
  const text = words.join(' ');
  return text.length > 30 ? `${text.slice(0, 26)} ...` : text;
}

export function humanState(inspect: InspectShape): string {
  const s = inspect.State ?? {};
  if (s.Paused) return 'Paused';
  if (s.Restarting) return `Restarting`;
  if (s.Running) return s.Health?.Status ? `Up (${s.Health.Status})` : 'Up';
  return `Exit ${s.ExitCode ?? 0}`;
}

export function humanPorts(inspect: InspectShape): string {
  const ports = inspect.NetworkSettings?.Ports ?? {};
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(ports)) {
    if (!bindings?.length) out.push(port);
    else for (const b of bindings) out.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}->${port}`);
  }
  return out.join(', ');
}

export function psTable(containers: Container[]): string {
  const rows = containers.map((c) => {
    const inspect = JSON.parse(c.json || '{}') as InspectShape;
    return [c.name.replace(/^\//, ''), humanCommand(c, inspect), humanState(inspect), humanPorts(inspect)];
  });
  return textTable(['Name', 'Command', 'State', 'Ports'], rows);
}

/** texttable's HEADER decoration: headers centred, cells left, three spaces apart, a rule of dashes. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const centre = (text: string, width: number) => {
    const fill = width - text.length;
    return `${' '.repeat(Math.floor(fill / 2))}${text}${' '.repeat(fill - Math.floor(fill / 2))}`;
  };
  const line = (cells: string[], align: (t: string, w: number) => string) => cells.map((c, i) => align(c, widths[i]!)).join('   ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  return [line(headers, centre), rule, ...rows.map((r) => line(r, (t, w) => t.padEnd(w)))].join('\n');
}
