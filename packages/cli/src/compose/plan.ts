// What `up` does to each service's container, decided from the file and
// what the daemon holds, as docker-compose 1.29 decides: create when there
// is none, recreate when its config hash differs (or --force-recreate),
// start a stopped one, leave a running one alone ("is up-to-date").
import type { ProjectContainer } from './project-state.js';

export type ContainerAction =
  | { kind: 'create'; number: number }
  | { kind: 'recreate'; container: ProjectContainer }
  | { kind: 'start'; container: ProjectContainer }
  | { kind: 'keep'; container: ProjectContainer };

export interface PlanOptions {
  forceRecreate?: boolean;
  noRecreate?: boolean;
}

export function planService(service: string, hash: string, containers: ProjectContainer[], o: PlanOptions = {}): ContainerAction[] {
  const mine = containers.filter((c) => c.service === service && !c.oneoff).sort((a, b) => a.number - b.number);
  if (!mine.length) return [{ kind: 'create', number: 1 }];
  return mine.map((container): ContainerAction => {
    if (!o.noRecreate && (o.forceRecreate || container.configHash !== hash)) return { kind: 'recreate', container };
    return container.running ? { kind: 'keep', container } : { kind: 'start', container };
  });
}

/** Containers of the project whose service the file no longer has. */
export function orphans(containers: ProjectContainer[], services: string[]): ProjectContainer[] {
  return containers.filter((c) => !c.oneoff && !services.includes(c.service));
}
