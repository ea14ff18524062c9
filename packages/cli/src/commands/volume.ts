// ce volume create|ls|inspect|rm|prune: Docker's volume commands over ce.api.v1.Volumes.
import { isCeError, unary } from '@ce/protocol';
import type { FilterValues, ListVolumesResponse, PruneVolumesResponse, Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseDockerFormat, parseDockerTemplate, renderDockerFormat } from '../format/docker-format.js';
import { goJsonIndent } from '../format/go-values.js';
import { executeInspectTemplate } from '../format/inspect-format.js';
import { humanSize } from '../humanize.js';
import { collect, parseLabels } from '../output.js';
import { naturalLess, volumeContext, volumesFormat, volumesHeader, type VolumeView } from '../volume-format.js';
import { confirmed } from './image-prune.js';

const volumes = (conn: Connection) => conn.volumes;

/** `--filter key=value` values as the daemon takes them; Docker's CLI error for one without "=". */
export function parseFilterFlags(values: readonly string[]): Record<string, FilterValues> {
  const filters: Record<string, FilterValues> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) throw new CliExit(125, `invalid argument "${value}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const key = value.slice(0, eq).trim().toLowerCase();
    (filters[key] ??= { values: [] }).values.push(value.slice(eq + 1).trim());
  }
  return filters;
}

/** Docker's VolumeJSON as `inspect` templates see it: Labels and Options are maps. */
export const VOLUME_SHAPES = { maps: new Set(['Labels', 'Options']), slices: new Set<string>(), omitted: new Map() };

/** One volume's VolumeJSON; NotFound when there is none. */
export async function inspectVolumeJson(conn: Connection, name: string): Promise<Record<string, unknown>> {
  return JSON.parse((await unary<Volume>((cb) => conn.volumes.inspect({ name }, cb), conn.target)).json) as Record<string, unknown>;
}

function fail(conn: Connection, err: unknown): CliExit {
  return new CliExit(1, daemonErrorMessage(err, conn.target));
}

export function registerVolume(program: Command, connect: () => Connection): void {
  const volume = program.command('volume').description('Manage volumes').usage('COMMAND');

  volume
    .command('create')
    .description('Create a volume')
    .usage('[OPTIONS] [VOLUME]')
    .argument('[name]')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect, [])
    .option('-o, --opt <map>', 'Set driver specific options', collect, [])
    .option('--name <string>', 'Specify volume name')
    .action(async (name: string | undefined, opts: { driver: string; label: string[]; opt: string[]; name?: string }) => {
      if (name && opts.name && name !== opts.name) throw new CliExit(1, `conflicting options: either specify --name or provide positional arg, not both`);
      const conn = connect();
      try {
        const res = await unary<Volume>(
          (cb) => volumes(conn).create({ name: name ?? opts.name ?? '', driver: opts.driver, driverOpts: parseLabels(opts.opt), labels: parseLabels(opts.label) }, cb),
          conn.target,
        );
        process.stdout.write(`${res.name}\n`);
      } catch (err) {
        throw fail(conn, err);
      }
    });

  volume
    .command('ls')
    .alias('list')
    .description('List volumes')
    .usage('[OPTIONS]')
    .option('-f, --filter <filter>', "Provide filter values (e.g. 'dangling=true')", collect, [])
    .option('--format <string>', 'Pretty-print volumes using a Go template')
    .option('-q, --quiet', 'Only display volume names')
    .action(async (opts: { filter: string[]; format?: string; quiet?: boolean }) => {
      const filters = parseFilterFlags(opts.filter);
      const conn = connect();
      let res: ListVolumesResponse;
      try {
        res = await unary<ListVolumesResponse>((cb) => volumes(conn).list({ filters }, cb), conn.target);
      } catch (err) {
        throw fail(conn, err);
      }
      const views = res.volumes.map((v) => JSON.parse(v.json) as VolumeView).sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
      let parsed;
      try {
        parsed = parseDockerFormat(volumesFormat(opts.format, !!opts.quiet));
        process.stdout.write(renderDockerFormat(parsed, views.map(volumeContext), volumesHeader()));
      } catch (err) {
        throw new CliExit(1, `template parsing error: ${(err as Error).message}`);
      }
    });

  volume
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .usage('[OPTIONS] VOLUME [VOLUME...]')
    .argument('<volume...>')
    .option('-f, --format <string>', 'Format the output using the given Go template')
    .action(async (names: string[], opts: { format?: string }) => {
      const conn = connect();
      let template;
      try {
        template = opts.format ? parseDockerTemplate(opts.format) : undefined;
      } catch (err) {
        throw new CliExit(64, `template parsing error: ${(err as Error).message}`);
      }
      const found: unknown[] = [];
      const errors: string[] = [];
      let formatted = '';
      for (const name of names) {
        let json: unknown;
        try {
          json = await inspectVolumeJson(conn, name);
        } catch (err) {
          if (!isCeError(err, 'NotFound')) throw fail(conn, err);
          errors.push(`Error: No such volume: ${name}`);
          continue;
        }
        if (!template) found.push(json);
        else {
          try {
            formatted += `${executeInspectTemplate(template, json, VOLUME_SHAPES)}\n`;
          } catch (err) {
            errors.push(`template parsing error: ${(err as Error).message}`);
          }
        }
      }
      if (template) process.stdout.write(formatted || '\n');
      else process.stdout.write(`${goJsonIndent(found)}\n`);
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });

  volume
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes')
    .usage('[OPTIONS] VOLUME [VOLUME...]')
    .argument('<volume...>')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action(async (names: string[], opts: { force?: boolean }) => {
      const conn = connect();
      const errors: string[] = [];
      for (const name of names) {
        try {
          await unary((cb) => volumes(conn).remove({ name, force: !!opts.force }, cb), conn.target);
          process.stdout.write(`${name}\n`);
        } catch (err) {
          errors.push(isCeError(err, 'NotFound') ? `Error: No such volume: ${name}` : daemonErrorMessage(err, conn.target));
        }
      }
      if (errors.length) throw new CliExit(1, errors.join('\n'));
    });

  volume
    .command('prune')
    .description('Remove all unused local volumes')
    .usage('[OPTIONS]')
    .option('--filter <filter>', "Provide filter values (e.g. 'label=<label>')", collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { filter: string[]; force?: boolean }) => {
      const filters = parseFilterFlags(opts.filter);
      // Docker's: a declined prune still reports what it reclaimed, nothing.
      if (!opts.force && !(await confirmed('WARNING! This will remove all local volumes not used by at least one container.'))) return void process.stdout.write('Total reclaimed space: 0B\n');
      const conn = connect();
      let res: PruneVolumesResponse;
      try {
        res = await unary<PruneVolumesResponse>((cb) => volumes(conn).prune({ filters }, cb), conn.target);
      } catch (err) {
        throw fail(conn, err);
      }
      if (res.volumesDeleted.length) {
        process.stdout.write('Deleted Volumes:\n');
        for (const name of res.volumesDeleted) process.stdout.write(`${name}\n`);
        process.stdout.write('\n');
      }
      process.stdout.write(`Total reclaimed space: ${humanSize(Number(res.spaceReclaimed), 4)}\n`);
    });

  for (const cmd of volume.commands) cmd.exitOverride();
  volume.exitOverride();
}
