// docker stats --format: the placeholders of docker/cli's stats formatter and
// its default table, over the figures stats-maths.ts computes.
import type { ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';
import { parseDockerFormat, renderDockerFormat, type ParsedFormat } from './format/docker-format.js';
import { statsRow } from './stats-maths.js';

export const DEFAULT_STATS_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** The header row's context: each placeholder's column name. */
const HEADER = {
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

/** One container's row context. `Container` is what the user named (or the id, as docker shows it). */
function statsContext(s: ContainerStats, noTrunc: boolean, named: string | undefined) {
  const r = statsRow(s, { noTrunc, running: s.running });
  return { Container: named ?? r.id, ID: r.id, Name: r.name, CPUPerc: r.cpu, MemUsage: r.memUsage, MemPerc: r.memPercent, NetIO: r.netIo, BlockIO: r.blockIo, PIDs: r.pids };
}

export function parseStatsFormat(format: string | undefined): ParsedFormat {
  return parseDockerFormat(!format || format === 'table' ? DEFAULT_STATS_FORMAT : format);
}

/** The samples as `format` shows them; `names` maps an id to the name the user gave for it. */
export function renderStats(parsed: ParsedFormat, samples: readonly ContainerStats[], noTrunc: boolean, names: ReadonlyMap<string, string> = new Map()): string {
  return renderDockerFormat(parsed, samples.map((s) => statsContext(s, noTrunc, names.get(s.id))), HEADER);
}
