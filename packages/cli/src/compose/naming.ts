// docker-compose 1.29's names and labels, so that it and ce compose see the
// same project: <project>_<service>_<n> containers, <project>_<name>
// networks and volumes, com.docker.compose.* labels.

/** The docker-compose release whose scheme this is (com.docker.compose.version). */
export const COMPOSE_VERSION = '1.29.2';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  configHash: 'com.docker.compose.config-hash',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

export function containerName(project: string, service: string, number: number): string {
  return `${project}_${service}_${number}`;
}

/** docker-compose run's one-off containers: <project>_<service>_run_<12 hex>. */
export function oneOffName(project: string, service: string, suffix: string): string {
  return `${project}_${service}_run_${suffix}`;
}

/** The image a service runs: its `image:`, or for a service that builds without one, 1.29's <project>_<service>. */
export function serviceImage(project: string, service: { name: string; image?: string }): string {
  return service.image ?? `${project.replace(/^[_-]+/, '')}_${service.name}`;
}
