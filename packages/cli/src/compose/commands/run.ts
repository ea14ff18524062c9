import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { attachedStart, AttachedStartError } from '../../attached-start.js';
import { daemonErrorMessage } from '../../errors.js';
import { collect, parseLabels } from '../../output.js';
import { ComposeError } from '../compose-error.js';
import { composeAction, type ComposeContext } from '../context.js';
import { converge } from '../converge.js';
import { waitForCondition } from '../dependency-wait.js';
import { LABEL, oneOffName } from '../naming.js';
import { ensureNetworks, ensureVolumes, networksUsed, volumesUsed } from '../project-resources.js';
import { ProgressLines } from '../progress-lines.js';
import { serviceBuilder } from '../service-build.js';
import { composeLabels, createServiceContainer, ensureImage, startContainer } from '../service-containers.js';
import { withDependencies } from '../start-order.js';
import { servicePuller } from './pull-service-image.js';
import { shellWords } from '../shell-words.js';

interface RunOptions {
  detach?: boolean;
  name?: string;
  entrypoint?: string;
  env: string[];
  label: string[];
  user?: string;
  deps: boolean;
  rm?: boolean;
  servicePorts?: boolean;
  T?: boolean;
  workdir?: string;
}

export function registerRun(group: Command, ctx: ComposeContext): void {
  group
    .command('run')
    .description('Run a one-off command')
    .usage('[options] [-e KEY=VAL...] [-l KEY=VALUE...] SERVICE [COMMAND] [ARGS...]')
    .argument('<service>')
    .argument('[command...]')
    .passThroughOptions()
    .option('-d, --detach', 'Detached mode: Run container in the background, print new container name.')
    .option('--name <name>', 'Assign a name to the container')
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image.')
    .option('-e, --env <KEY=VAL>', 'Set an environment variable (can be used multiple times)', collect, [])
    .option('-l, --label <KEY=VAL>', 'Add or override a label (can be used multiple times)', collect, [])
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('--no-deps', "Don't start linked services.")
    .option('--rm', 'Remove container after run. Ignored in detached mode.')
    .option('--service-ports', "Run command with the service's ports enabled and mapped to the host.")
    .option('-T', 'Disable pseudo-tty allocation. By default `docker-compose run` allocates a TTY.')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .action(composeAction(ctx, (service: string, command: string[], opts: RunOptions) => run(ctx, service, command, opts)));
}

async function run(ctx: ComposeContext, serviceName: string, command: string[], o: RunOptions): Promise<number> {
  const project = ctx.project();
  const service = project.services.find((s) => s.name === serviceName);
  if (!service) throw new ComposeError(`No such service: ${serviceName}`);
  const conn = ctx.connect();
  const progress = new ProgressLines();
  const pull = servicePuller(conn, progress);
  const build = serviceBuilder(conn, project);
  if (o.deps !== false) {
    const deps = withDependencies(project.services, [serviceName]).filter((s) => s.name !== serviceName);
    const running = deps.length ? await converge(conn, project, deps, { pull, build, noRecreate: true }, progress) : new Map<string, string[]>();
    // The one-off waits for its own dependencies' conditions, as up's containers do.
    for (const [dep, { condition }] of Object.entries(service.depends_on)) {
      for (const id of running.get(dep) ?? []) await waitForCondition(conn, id, condition, dep);
    }
  }
  await ensureNetworks(conn, project, networksUsed(project, [service]), (l) => progress.say(l));
  await ensureVolumes(conn, project, volumesUsed(project, [service]), (l) => progress.say(l));
  await ensureImage(conn, project, service, { pull: (image) => pull(image, service.name), build, policy: 'missing' });
  const name = o.name ?? oneOffName(project.name, service.name, randomBytes(6).toString('hex'));
  const tty = !o.T && !o.detach && !!process.stdin.isTTY;
  const create = () =>
    createServiceContainer(conn, service, project, {
      name,
      labels: { ...composeLabels(project, service.name, { [LABEL.number]: '1', [LABEL.oneoff]: 'True' }), ...parseLabels(o.label) },
      command,
      entrypoint: o.entrypoint !== undefined ? shellWords(o.entrypoint) : undefined,
      extraEnv: o.env.map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`)),
      user: o.user,
      workdir: o.workdir,
      publishPorts: !!o.servicePorts,
      tty,
      stdinOpen: !o.detach,
      autoRemove: !!o.rm && !o.detach,
    });
  // docker-compose 1.29 names the one-off with a random suffix but shows it without.
  const id = await progress.step('Creating', `${project.name}_${service.name}_run`, create);
  if (o.detach) {
    await startContainer(conn, id);
    process.stdout.write(`${name}\n`);
    return 0;
  }
  try {
    // Its stdin is attached with or without a terminal (-T), so that input can be piped in.
    return await attachedStart(conn, id, { stdin: true, removed: !!o.rm, tty });
  } catch (err) {
    if (err instanceof AttachedStartError) throw new ComposeError(`Cannot start service ${service.name}: ${daemonErrorMessage(err.daemonError, conn.target).replace(/^Error response from daemon: /, '')}`);
    throw err;
  }
}
