import type { Command } from 'commander';
import type { Connection } from '../../connection.js';
import { composeAction, type ComposeContext } from '../context.js';
import { logPrefixes, nameWithoutProject, prefixWidth, printContainerLog } from '../log-printer.js';
import type { ComposeProject } from '../model.js';
import { projectContainers } from '../project-state.js';
import type { ProgressLines } from '../progress-lines.js';
import { inspectContainer, stopContainer } from '../service-containers.js';
import { ComposeError } from '../compose-error.js';

interface LogsOptions {
  follow?: boolean;
  tail: string;
  timestamps?: boolean;
  color: boolean;
}

export function registerLogs(group: Command, ctx: ComposeContext): void {
  group
    .command('logs')
    .description('View output from containers')
    .usage('[options] [SERVICE...]')
    .argument('[services...]')
    .option('--no-color', 'Produce monochrome output.')
    .option('-f, --follow', 'Follow log output.')
    .option('-t, --timestamps', 'Show timestamps.')
    .option('--tail <lines>', 'Number of lines to show from the end of the logs for each container.', 'all')
    .action(
      composeAction(ctx, async (services: string[], opts: LogsOptions) => {
        const project = ctx.project();
        for (const s of services) if (!project.services.some((x) => x.name === s)) throw new ComposeError(`No such service: ${s}`);
        const conn = ctx.connect();
        const containers = (await projectContainers(conn, project.name)).filter((c) => !c.oneoff && (!services.length || services.includes(c.service)));
        const tail = /^\d+$/.test(opts.tail) ? Number(opts.tail) : opts.tail === 'all' ? -1 : NaN;
        if (Number.isNaN(tail)) throw new ComposeError(`--tail: invalid number of lines: ${opts.tail}`);
        const color = opts.color && !!process.stdout.isTTY;
        const prefixes = logPrefixes(containers.map((c) => nameWithoutProject(c.name, project.name)), color, prefixWidth(project.services.map((s) => s.name)));
        process.stdout.write(`Attaching to ${containers.map((c) => c.name).join(', ')}\n`);
        const print = (c: (typeof containers)[number]) =>
          printContainerLog(conn, c.id, prefixes.get(nameWithoutProject(c.name, project.name))!, { follow: !!opts.follow, tail, timestamps: !!opts.timestamps });
        // Followed logs interleave as they come, each ending with its container's exit, as docker-compose's;
        // past ones are printed container after container.
        if (opts.follow) {
          await Promise.all(
            containers.map(async (c) => {
              await print(c);
              process.stdout.write(exitLine(c.name, await inspectContainer(conn, c.id)));
            }),
          );
        } else for (const c of containers) await print(c);
      }),
    );
}

/** "proj_web_1 exited with code 0", which docker-compose prints when a followed container's log ends. */
function exitLine(name: string, container: Awaited<ReturnType<typeof inspectContainer>>): string {
  return `${name} exited with code ${container.state?.exitCode ?? 0}\n`;
}

/** up without -d: "Attaching to …", every container's log followed until they all stop; Ctrl+C stops them. */
export async function attachLogs(conn: Connection, project: ComposeProject, names: string[], color: boolean, progress: ProgressLines): Promise<number> {
  process.stdout.write(`Attaching to ${names.join(', ')}\n`);
  const short = names.map((n) => nameWithoutProject(n, project.name));
  const prefixes = logPrefixes(short, color && !!process.stdout.isTTY, prefixWidth(project.services.map((s) => s.name)));
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void (async () => {
      for (const n of [...names].reverse()) await progress.step('Stopping', n, () => stopContainer(conn, n)).catch(() => undefined);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.all(
      names.map(async (n, i) => {
        await printContainerLog(conn, n, prefixes.get(short[i]!)!, { follow: true, tail: -1, timestamps: false });
        const state = await inspectContainer(conn, n);
        if (!stopping) process.stdout.write(exitLine(n, state));
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
