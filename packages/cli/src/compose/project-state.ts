// What the daemon holds of a project: its containers (by their compose
// labels), networks and volumes.
import { unary } from '@ce/protocol';
import type { Container, ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Connection } from '../connection.js';
import { LABEL } from './naming.js';

export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  configHash: string;
  running: boolean;
  container: Container;
}

export function projectContainerOf(c: Container): Omit<ProjectContainer, 'container'> & { container: Container } {
  return {
    id: c.id,
    name: c.name.replace(/^\//, ''),
    service: c.labels[LABEL.service] ?? '',
    number: Number(c.labels[LABEL.number] ?? 0),
    oneoff: c.labels[LABEL.oneoff] === 'True',
    configHash: c.labels[LABEL.configHash] ?? '',
    running: !!c.state?.running,
    container: c,
  };
}

/** The project's containers, one-offs included, sorted by service and number. */
export async function projectContainers(conn: Connection, project: string): Promise<ProjectContainer[]> {
  const list = await unary<ListContainersResponse>((cb) => conn.containers.list({ all: true }, cb), conn.target);
  return list.containers
    .filter((c) => c.labels[LABEL.project] === project)
    .map(projectContainerOf)
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number || a.name.localeCompare(b.name));
}
