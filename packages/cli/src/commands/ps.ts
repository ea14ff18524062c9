import { DEFAULT_NAMESPACE, unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { DiskUsageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR } from '../errors.js';
import { parseDockerFormat, renderDockerFormat, type ParsedFormat } from '../format/docker-format.js';
import { TemplateExecError, TemplateSyntaxError } from '../format/template.js';
import { parseIntFlag } from '../int-flag.js';
import { checkNamespace, printNamespaceTasks } from '../namespace-tasks.js';
import { collect } from '../output.js';
import { listsAll, parsePsFilters, PsFilterError, selectContainers, validatePsFilters, type PsFilters } from '../ps-filter.js';
import { containerContext, psFormat, psHeader, type ContainerSize } from '../ps-format.js';

export { commandText, statusText } from '../ps-format.js';

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  trunc: boolean;
  filter: string[];
  last?: string;
  latest?: boolean;
  format?: string;
  size?: boolean;
}

/**
 * Parses the format and runs it once on an empty container, as docker ps does
 * before listing: a bad template fails even with no container, and a template
 * that reads .Size asks for sizes.
 */
export function preparePsFormat(format: string): { parsed: ParsedFormat; usesSize: boolean } {
  let parsed: ParsedFormat;
  try {
    parsed = parseDockerFormat(format);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new CliExit(1, `failed to parse template: ${err.message}`);
    throw err;
  }
  let usesSize = false;
  const probe = containerContext({ id: '', name: '', image: '', imageId: '', pathAndArgs: [], labels: {}, autoRemove: false, hostname: '', env: [], workingDir: '', user: '', tty: false, json: '' }, { trunc: true, now: Date.now() });
  Object.defineProperty(probe, 'Size', {
    enumerable: true,
    get: () => {
      usesSize = true;
      return '';
    },
  });
  try {
    parsed.template.execute(probe);
  } catch (err) {
    if (err instanceof TemplateExecError) throw new CliExit(1, `failed to execute template: ${err.message}`);
    throw err;
  }
  return { parsed, usesSize };
}

async function containerSizes(conn: Connection, containers: Container[]): Promise<Map<string, ContainerSize>> {
  const df = await unary<DiskUsageResponse>((cb) => conn.images.diskUsage({}, cb), conn.target);
  const rw = new Map(df.containers.map((c) => [c.key, c.size]));
  const image = new Map(df.images.map((i) => [i.id, i.size]));
  return new Map(containers.map((c) => [c.id, { rw: rw.get(c.id) ?? 0, rootFs: (rw.get(c.id) ?? 0) + (image.get(c.imageId) ?? 0) }]));
}

export function registerPs(program: Command, connect: () => Connection): void {
  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Pretty-print containers using a Go template')
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('-s, --size', 'Display total file sizes')
    .action(async (opts: PsOptions, cmd: Command) => {
      const { namespace } = cmd.optsWithGlobals<{ namespace?: string }>();
      if (namespace !== undefined && checkNamespace(namespace) !== DEFAULT_NAMESPACE) {
        const unsupported = [opts.filter.length && '--filter', opts.format && '--format', opts.last && '--last', opts.latest && '--latest', opts.size && '--size'].filter(Boolean);
        if (unsupported.length) throw new CliExit(EXIT_ENGINE_ERROR, `${unsupported.join(', ')}: not for another namespace's tasks (--namespace ${namespace})`);
        return printNamespaceTasks(connect(), namespace, opts);
      }
      let filters: PsFilters;
      let last = -1;
      try {
        filters = parsePsFilters(opts.filter);
        if (opts.last !== undefined) last = parseIntFlag(opts.last, '-n, --last');
      } catch (err) {
        throw new CliExit(EXIT_ENGINE_ERROR, `${(err as Error).message}\nSee 'ce ps --help'.`);
      }
      if (opts.latest) last = 1;
      const { parsed, usesSize } = preparePsFormat(psFormat(opts.format, !!opts.quiet, !!opts.size));
      try {
        validatePsFilters(filters);
      } catch (err) {
        if (err instanceof PsFilterError) throw new CliExit(1, err.asDaemon ? `Error response from daemon: ${err.message}` : err.message);
        throw err;
      }
      const conn = connect();
      let containers: Container[];
      let sizes: Map<string, ContainerSize> | undefined;
      try {
        const res = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: listsAll(!!opts.all, last, filters) }, cb), conn.target);
        containers = selectContainers(res.containers, filters, last);
        if (opts.size || usesSize) sizes = await containerSizes(conn, containers);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const now = Date.now();
      const rows = containers.map((c) => containerContext(c, { trunc: opts.trunc, now, size: sizes?.get(c.id) }));
      try {
        process.stdout.write(renderDockerFormat(parsed, rows, psHeader()));
      } catch (err) {
        if (err instanceof TemplateExecError) throw new CliExit(1, `template parsing error: ${err.message}`);
        throw err;
      }
    });
}
