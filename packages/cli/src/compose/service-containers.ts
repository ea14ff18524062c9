// The daemon calls that make, start, stop and remove a service's container.
import { CeError, unary } from '@ce/protocol';
import type { Container, CreateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Connection } from '../connection.js';
import { ComposeError } from './compose-error.js';
import { containerRequest, type ContainerRequestOptions } from './container-request.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { COMPOSE_VERSION, LABEL, serviceImage } from './naming.js';

export function composeLabels(project: ComposeProject, service: string, extra: Record<string, string>): Record<string, string> {
  return {
    [LABEL.project]: project.name,
    [LABEL.service]: service,
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    [LABEL.version]: COMPOSE_VERSION,
    ...extra,
  };
}

/** Creates the container and joins its other networks (Docker's create takes one); a failure removes what it made. */
export async function createServiceContainer(conn: Connection, service: ServiceConfig, project: ComposeProject, o: ContainerRequestOptions): Promise<string> {
  const plan = containerRequest(service, project, o);
  const created = await unary<CreateContainerResponse>((cb) => conn.containers.create(plan.request, cb), conn.target);
  try {
    for (const extra of plan.extraNetworks) {
      await unary((cb) => conn.networks.connect({ network: extra.network, container: created.id, endpoint: extra.endpoint }, cb), conn.target);
    }
  } catch (err) {
    await removeContainer(conn, created.id, true).catch(() => undefined);
    throw err;
  }
  return created.id;
}

export const startContainer = (conn: Connection, id: string) => unary((cb) => conn.containers.start({ id }, cb), conn.target);

export const stopContainer = (conn: Connection, id: string, timeout?: number) => unary((cb) => conn.containers.stop({ id, timeout }, cb), conn.target);

export const removeContainer = (conn: Connection, id: string, force = false, removeVolumes = false) =>
  unary((cb) => conn.containers.remove({ id, force, removeVolumes }, cb), conn.target);

export const inspectContainer = (conn: Connection, id: string) => unary<Container>((cb) => conn.containers.inspect({ id }, cb), conn.target);

/** The image's id, or undefined when the daemon does not have it. */
export function imageId(conn: Connection, image: string): Promise<string | undefined> {
  return unary<InspectImageResponse>((cb) => conn.images.inspect({ reference: image }, cb), conn.target).then(
    (r) => r.image?.id ?? '',
    (err: unknown) => {
      if (err instanceof CeError && err.code === 'NotFound') return undefined;
      throw err;
    },
  );
}

/** up's --build (always) and --no-build (never); by default a missing image is built. */
export type BuildPolicy = 'missing' | 'always' | 'never';

export interface ImageSources {
  pull: (image: string) => Promise<void>;
  build: (service: ServiceConfig) => Promise<void>;
  policy: BuildPolicy;
}

/** The image's id: built or pulled first as docker-compose 1.29's ensure_image_exists does. */
export async function ensureImage(conn: Connection, project: ComposeProject, service: ServiceConfig, from: ImageSources): Promise<string> {
  const image = serviceImage(project.name, service);
  if (service.build && from.policy === 'always') {
    await from.build(service);
    return (await imageId(conn, image)) ?? '';
  }
  const present = await imageId(conn, image);
  if (present !== undefined) return present;
  if (!service.build) {
    await from.pull(image);
    return (await imageId(conn, image)) ?? '';
  }
  if (from.policy === 'never') throw new ComposeError(`Service '${service.name}' needs to be built, but --no-build was passed.`);
  await from.build(service);
  process.stderr.write(
    `WARNING: Image for service ${service.name} was built because it did not already exist. To rebuild this image you must use \`ce compose build\` or \`ce compose up --build\`.\n`,
  );
  return (await imageId(conn, image)) ?? '';
}
