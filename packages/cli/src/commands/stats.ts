import { readStream, unary } from '@ce/protocol';
import type { ContainerStats, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage, EXIT_ENGINE_ERROR } from '../errors.js';
import { TemplateSyntaxError } from '../format/lexer.js';
import { TemplateExecError } from '../format/template.js';
import type { ParsedFormat } from '../format/docker-format.js';
import { parseStatsFormat, renderStats } from '../stats-format.js';

interface StatsOptions {
  all?: boolean;
  stream: boolean;
  trunc: boolean;
  format?: string;
}

/** How often the streaming table is redrawn (docker's 500 ms). */
const REDRAW_MS = 500;

/** docker stats' default table (its formatter's tabwriter: minimum width 10, padding 3). */
export function statsTable(samples: readonly ContainerStats[], noTrunc: boolean): string {
  return renderStats(parseStatsFormat(undefined), samples, noTrunc);
}

/** The --format template, parsed before anything is asked of the daemon; a bad one ends the command as docker's does. */
function checkFormat(format: string | undefined): ParsedFormat {
  try {
    return parseStatsFormat(format);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new CliExit(EXIT_ENGINE_ERROR, `template parsing error: ${err.message}`);
    throw err;
  }
}

function render(parsed: ParsedFormat, samples: readonly ContainerStats[], noTrunc: boolean): string {
  try {
    return renderStats(parsed, samples, noTrunc);
  } catch (err) {
    if (err instanceof TemplateExecError) throw new CliExit(EXIT_ENGINE_ERROR, `template parsing error: ${err.message}`);
    throw err;
  }
}

export function registerStats(program: Command, connect: () => Connection): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .usage('[OPTIONS] [CONTAINER...]')
    .argument('[container...]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', "Do not truncate output")
    .option('--format <string>', 'Pretty-print images using a Go template')
    .action(async (refs: string[], opts: StatsOptions) => {
      const parsed = checkFormat(opts.format);
      const conn = connect();
      let targets = refs;
      if (!targets.length) {
        try {
          const res = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: !!opts.all }, cb), conn.target);
          targets = res.containers.map((c) => c.id);
        } catch (err) {
          throw new CliExit(1, daemonErrorMessage(err, conn.target));
        }
      }
      if (!opts.stream) {
        const results = await Promise.all(targets.map((id) => firstSample(conn, id)));
        const errors = results.filter((r): r is { error: string } => 'error' in r).map((r) => r.error);
        if (errors.length) throw new CliExit(1, errors.join('\n'));
        process.stdout.write(render(parsed, results.map((r) => (r as { stats: ContainerStats }).stats), !opts.trunc));
        return;
      }
      await streamTable(conn, targets, opts, refs.length > 0, parsed);
    });
}

async function firstSample(conn: Connection, id: string): Promise<{ stats: ContainerStats } | { error: string }> {
  const call = conn.containers.stats({ id, stream: false, oneShot: false });
  try {
    for await (const stats of readStream<ContainerStats>(call, conn.target)) {
      call.cancel();
      return { stats };
    }
    return { error: `Error response from daemon: no stats for ${id}` };
  } catch (err) {
    return { error: daemonErrorMessage(err, conn.target) };
  }
}

/**
 * Redraws the table every 500 ms until interrupted. Without named
 * containers, the list is asked again at each redraw, so containers that
 * start (and, without -a, stop) come and go as in docker stats.
 */
async function streamTable(conn: Connection, targets: string[], opts: StatsOptions, named: boolean, parsed: ParsedFormat): Promise<void> {
  const latest = new Map<string, ContainerStats>();
  const errors = new Map<string, string>();
  const calls = new Map<string, { cancel(): void }>();
  const follow = (id: string) => {
    if (calls.has(id)) return;
    const call = conn.containers.stats({ id, stream: true, oneShot: false });
    calls.set(id, call);
    void (async () => {
      try {
        for await (const s of readStream<ContainerStats>(call, conn.target)) latest.set(id, s);
      } catch (err) {
        errors.set(id, daemonErrorMessage(err, conn.target));
      }
      // a removed container's stream ends: it leaves the table
      if (!named) drop(id);
    })();
  };
  const drop = (id: string) => {
    calls.get(id)?.cancel();
    calls.delete(id);
    latest.delete(id);
  };
  for (const id of targets) follow(id);
  let interrupted = false;
  const stop = new Promise<void>((resolve) => {
    const onSignal = () => {
      interrupted = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    while (!interrupted) {
      await Promise.race([new Promise((r) => setTimeout(r, REDRAW_MS)), stop]);
      if (interrupted) break;
      if (named && errors.size === targets.length) throw new CliExit(1, [...errors.values()].join('\n'));
      if (!named) {
        const listed = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: !!opts.all }, cb), conn.target).then(
          (res) => res.containers.map((c) => c.id),
          () => undefined,
        );
        if (listed) {
          for (const id of listed) follow(id);
          for (const id of [...calls.keys()]) if (!listed.includes(id)) drop(id);
        }
      }
      const shown = [...calls.keys()].map((id) => latest.get(id)).filter((s): s is ContainerStats => s !== undefined);
      process.stdout.write('\x1b[2J\x1b[H');
      process.stdout.write(render(parsed, shown, !opts.trunc));
    }
    // as docker stats, which does not catch the signal
    process.exitCode = 130;
  } finally {
    for (const call of calls.values()) call.cancel();
  }
}
