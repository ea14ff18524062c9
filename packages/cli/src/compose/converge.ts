// up's work: networks and volumes, then each service in dependency order
// (its dependencies' conditions met first) brought to the file's state by
// the plan: created, recreated, started or left as it is.
import { CeError } from '@ce/protocol';
import type { Connection } from '../connection.js';
import { daemonErrorMessage } from '../errors.js';
import { ComposeError } from './compose-error.js';
import { serviceConfigHash } from './config-hash.js';
import { waitForCondition } from './dependency-wait.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { containerName, LABEL } from './naming.js';
import { orphans, planService, type PlanOptions } from './plan.js';
import { ensureNetworks, ensureVolumes, networksUsed, volumesUsed } from './project-resources.js';
import { projectContainers, type ProjectContainer } from './project-state.js';
import { ProgressLines } from './progress-lines.js';
import { type BuildPolicy, composeLabels, createServiceContainer, ensureImage, removeContainer, startContainer, stopContainer } from './service-containers.js';
import { startOrder } from './start-order.js';

export interface ConvergeOptions extends PlanOptions {
  noStart?: boolean;
  removeOrphans?: boolean;
  /** Pulls a missing image, printing docker-compose's lines. */
  pull: (image: string, service: string) => Promise<void>;
  /** Builds a service's image (up --build, or a missing image of a service that builds). */
  build: (service: ServiceConfig) => Promise<void>;
  buildPolicy?: BuildPolicy;
}

/** Containers of each service after convergence, by service name. */
export type ServiceContainers = Map<string, string[]>;

export async function converge(conn: Connection, project: ComposeProject, services: ServiceConfig[], o: ConvergeOptions, progress = new ProgressLines()): Promise<ServiceContainers> {
  const ordered = startOrder(services);
  const existing = await projectContainers(conn, project.name);
  const orphaned = orphans(existing, project.services.map((s) => s.name));
  if (orphaned.length && o.removeOrphans) {
    for (const c of orphaned) {
      progress.say(`Removing orphan container "${c.name}"`);
      await removeContainer(conn, c.id, true);
    }
  } else if (orphaned.length) {
    progress.say(
      `WARNING: Found orphan containers (${orphaned.map((c) => c.name).join(', ')}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );
  }
  await ensureNetworks(conn, project, networksUsed(project, ordered), (l) => progress.say(l));
  await ensureVolumes(conn, project, volumesUsed(project, ordered), (l) => progress.say(l));

  const images = new Map<string, string>();
  for (const s of ordered) {
    images.set(s.name, await ensureImage(conn, project, s, { pull: (image) => o.pull(image, s.name), build: o.build, policy: o.buildPolicy ?? 'missing' }));
  }

  const result: ServiceContainers = new Map();
  for (const c of existing) if (!c.oneoff) result.set(c.service, [...(result.get(c.service) ?? []), c.name]);
  for (const service of ordered) {
    for (const [dep, { condition }] of Object.entries(service.depends_on)) {
      for (const id of result.get(dep) ?? []) {
        try {
          await waitForCondition(conn, id, condition, dep);
        } catch (err) {
          throw new ComposeError(`for ${service.name}  ${(err as Error).message}`);
        }
      }
    }
    const hash = serviceConfigHash(service, project, images.get(service.name)!);
    const names: string[] = [];
    for (const action of planService(service.name, hash, existing, o)) {
      names.push(await apply(conn, project, service, hash, action, existing, result, o, progress));
    }
    result.set(service.name, names);
  }
  return result;
}

type Action = ReturnType<typeof planService>[number];

async function apply(
  conn: Connection,
  project: ComposeProject,
  service: ServiceConfig,
  hash: string,
  action: Action,
  existing: ProjectContainer[],
  result: ServiceContainers,
  o: ConvergeOptions,
  progress: ProgressLines,
): Promise<string> {
  const create = (number: number, name: string) =>
    createServiceContainer(conn, service, project, {
      name,
      labels: composeLabels(project, service.name, { [LABEL.number]: String(number), [LABEL.oneoff]: 'False', [LABEL.configHash]: hash }),
      containerOfService: (s) => result.get(s)?.[0],
    }).catch((err: unknown) => {
      throw failure(err, `Cannot create container for service ${service.name}`, name, conn);
    });
  const start = (name: string) =>
    o.noStart
      ? Promise.resolve()
      : startContainer(conn, name).catch((err: unknown) => {
          throw failure(err, `Cannot start service ${service.name}`, name, conn);
        });
  switch (action.kind) {
    case 'keep':
      progress.say(`${action.container.name} is up-to-date`);
      return action.container.name;
    case 'start':
      await progress.step('Starting', action.container.name, () => start(action.container.name));
      return action.container.name;
    case 'create': {
      const name = service.container_name ?? containerName(project.name, service.name, action.number);
      await progress.step('Creating', name, async () => {
        await create(action.number, name);
        await start(name);
      });
      return name;
    }
    case 'recreate': {
      const old = action.container;
      await progress.step('Recreating', old.name, async () => {
        if (old.running) await stopContainer(conn, old.id, stopTimeout(service));
        await removeContainer(conn, old.id, true);
        existing.splice(existing.indexOf(old), 1);
        await create(old.number, old.name);
        await start(old.name);
      });
      return old.name;
    }
  }
}

function stopTimeout(service: ServiceConfig): number | undefined {
  const m = service.stop_grace_period ? /^(\d+)s?$/.exec(service.stop_grace_period) : null;
  return m ? Number(m[1]) : undefined;
}

/** docker-compose's "ERROR: for <container>  Cannot start service web: <daemon's message>". */
function failure(err: unknown, what: string, container: string, conn: Connection): ComposeError {
  const detail = err instanceof CeError ? daemonErrorMessage(err, conn.target).replace(/^Error response from daemon: /, '') : (err as Error).message;
  return new ComposeError(`for ${container}  ${what}: ${detail}`);
}
