// docker ps --format: the ContainerContext (cli/command/formatter/container.go)
// a template sees for each container, its column names and default tables.
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import { GO_MARSHAL, GO_TYPE, type GoStruct } from './format/go-values.js';
import { goQuote } from './format/printf.js';
import { goTimeString } from './go-time.js';
import { dockerCommand, statusText as containerStatusText } from '@ce/protocol/container-list';
import { humanDuration, humanSize } from './humanize.js';
import { displayablePorts, portsOf } from './ports-display.js';

export const PS_TABLE_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_QUIET_FORMAT = '{{.ID}}';

/** The layer sizes of `ps -s`: the writable layer, and the whole root filesystem. */
export interface ContainerSize {
  rw: number;
  rootFs: number;
}

/** The --format ps would use for these flags (NewContainerFormat). */
export function psFormat(format: string | undefined, quiet: boolean, size: boolean): string {
  if (format === undefined || format === 'table') {
    if (quiet) return PS_QUIET_FORMAT;
    return size ? `${PS_TABLE_FORMAT}\t{{.Size}}` : PS_TABLE_FORMAT;
  }
  if (format === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return PS_RAW_FORMAT + (size ? 'size: {{.Size}}\\n' : '');
  }
  return format;
}

/** `--format raw`: one block of `key: value` lines per container (`\n` as typed, as in docker/cli). */
const PS_RAW_FORMAT =
  'container_id: {{.ID}}\\nimage: {{.Image}}\\ncommand: {{.Command}}\\ncreated_at: {{.CreatedAt}}\\nstate: {{- pad .State 1 0}}\\nstatus: {{- pad .Status 1 0}}\\nnames: {{.Names}}\\nlabels: {{- pad .Labels 1 0}}\\nports: {{- pad .Ports 1 0}}\\n';

/** The header row's context: column names, and `.Label "a.b-c"` → "b c". */
export function psHeader(): GoStruct {
  return {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED AT',
    RunningFor: 'CREATED',
    Ports: 'PORTS',
    State: 'STATE',
    Status: 'STATUS',
    Size: 'SIZE',
    Names: 'NAMES',
    Labels: 'LABELS',
    Mounts: 'MOUNTS',
    LocalVolumes: 'LOCAL VOLUMES',
    Networks: 'NETWORKS',
    Label: (name: string) => name.split('.').pop()!.replace(/[-_]/g, ' '),
  };
}

export function statusText(c: Container, now: number): string {
  return containerStatusText(c.state!, now);
}

/** formatter.Ellipsis: at most `max` characters, the last one "…". */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

export function commandText(args: string[], truncate: boolean): string {
  const command = dockerCommand(args);
  return goQuote(truncate ? ellipsis(command, 20) : command);
}

/** The parts of Docker's ContainerJSON (Container.json) ps shows. */
interface ContainerModel {
  Mounts?: { Type?: string; Name?: string; Source?: string; Driver?: string }[] | null;
  NetworkSettings?: { Networks?: Record<string, unknown> | null; Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null };
}

export function containerModel(c: Container): ContainerModel | undefined {
  return c.json ? (JSON.parse(c.json) as ContainerModel) : undefined;
}

export interface ContainerContextOptions {
  trunc: boolean;
  now: number;
  /** Only when sizes were asked for; Size then reads "0B" as docker's does without them. */
  size?: ContainerSize;
}

export function containerContext(c: Container, o: ContainerContextOptions): GoStruct {
  const labels = c.labels ?? {};
  const model = containerModel(c);
  const mounts = model?.Mounts ?? [];
  const size = o.size ?? { rw: 0, rootFs: 0 };
  const created = c.createdAt ?? new Date(0);
  const context: GoStruct = {
    [GO_TYPE]: '*formatter.ContainerContext',
    ID: o.trunc ? c.id.slice(0, 12) : c.id,
    Names: c.name,
    Image: c.image,
    Command: commandText(c.pathAndArgs, o.trunc),
    CreatedAt: goTimeString(new Date(Math.floor(created.getTime() / 1000) * 1000)),
    RunningFor: `${humanDuration(o.now - created.getTime())} ago`,
    Ports: displayablePorts(portsOf(model?.NetworkSettings?.Ports)),
    State: c.state?.status ?? '',
    Status: c.state ? statusText(c, o.now) : '',
    Size: size.rootFs > 0 ? `${humanSize(size.rw)} (virtual ${humanSize(size.rootFs)})` : humanSize(size.rw),
    Labels: Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Mounts: mounts.map((m) => (o.trunc ? ellipsis(m.Name || m.Source || '', 15) : m.Name || m.Source || '')).join(','),
    LocalVolumes: String(mounts.filter((m) => m.Type === 'volume' && m.Driver === 'local').length),
    Networks: Object.keys(model?.NetworkSettings?.Networks ?? {}).sort().join(','),
    Label: (name: string) => labels[name] ?? '',
  };
  // Its MarshalJSON: a map of every no-argument method, keys sorted.
  context[GO_MARSHAL] = () => new Map(Object.entries(context).filter(([, v]) => typeof v === 'string'));
  return context;
}
