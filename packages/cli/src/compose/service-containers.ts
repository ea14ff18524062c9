// The daemon calls that make, start, stop and remove a service's container.
import { CeError, unary } from '@ce/protocol';
import type { Container, CreateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Connection } from '../connection.js';
import { ComposeError } from './compose-error.js';
import { containerRequest, type ContainerRequestOptions } from './container-request.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { COMPOSE_VERSION, LABEL } from './naming.js';

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

/** The image's id; the image pulled first when missing (unless the service builds, which ce cannot yet). */
export async function ensureImage(conn: Connection, service: ServiceConfig, pull: (image: string) => Promise<void>): Promise<string> {
  if (!service.image) throw buildRefusal(service.name);
  const present = await imageId(conn, service.image);
  if (present !== undefined) return present;
  if (service.build !== undefined) throw buildRefusal(service.name);
  await pull(service.image);
  return (await imageId(conn, service.image)) ?? '';
}

export function buildRefusal(service?: string): ComposeError {
  const who = service ? `Service ${service} needs to be built, but ce` : 'ce';
  return new ComposeError(
    `${who} has no image builder yet (issue 13: builds), so ce compose cannot build images. Build the image elsewhere and load it with \`ce load\`, or give the service an image to pull.`,
  );
}
