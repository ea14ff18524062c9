// ced's volumes subsystem: the local driver under <root>/volumes, the
// service with the containers' references, create's mount points and the
// 'volumes' start step, wired by openVolumes for the composition root.
import { join } from 'node:path';
import type { Logger } from '@ce/protocol';
import type { ContainerRecord } from '../containers/record.js';
import type { StartPipeline } from '../containers/start-pipeline.js';
import type { EventPublisher } from '../events/event-publisher.js';
import { ContainerMounts } from './container-mounts.js';
import { LocalDriver, type Mounter } from './local-driver.js';
import { nativeMounter } from './native-mounter.js';
import { VolumeService } from './volume-service.js';
import { volumesStep } from './volumes-step.js';

export { VolumeService, type VolumesApi, type CreateVolumeOptions, type PruneReport } from './volume-service.js';
export { LocalDriver, type Mounter } from './local-driver.js';
export { ContainerMounts } from './container-mounts.js';
export { volumesStep, containerMounts, withContainerMounts } from './volumes-step.js';
export { volumesGrpcService, VolumesGrpcClient } from './grpc.js';
export type { VolumeJSON } from './volume-types.js';

export interface VolumesOptions {
  /** ced's --root: volumes live in <root>/volumes. */
  root: string;
  resolveContainer(ref: string): ContainerRecord;
  layerDirs(containerId: string): string[];
  mounter?: Mounter;
  /** Docker's volume events: create, mount, unmount, destroy. */
  events?: Pick<EventPublisher, 'volume'>;
}

export interface Volumes {
  service: VolumeService;
  driver: LocalDriver;
  containerMounts: ContainerMounts;
  /** The mounts of another container service's containers (the builder's), over the same volumes. */
  containerMountsFor(resolveContainer: (ref: string) => ContainerRecord): ContainerMounts;
  /** Adds the 'volumes' step before the spec is written. */
  registerStep(pipeline: StartPipeline): void;
  /** After recovery: mounted volumes are held by the running containers that reference them; the others are unmounted. */
  adoptMounts(isRunning: (containerId: string) => boolean, logger: Logger): void;
}

export async function openVolumes(o: VolumesOptions): Promise<Volumes> {
  const driver = await LocalDriver.open(join(o.root, 'volumes'), o.mounter ?? nativeMounter);
  const service = new VolumeService(driver, o.events);
  return {
    service,
    driver,
    containerMounts: new ContainerMounts({ volumes: service, daemonRoot: o.root, resolveContainer: o.resolveContainer, layerDirs: o.layerDirs }),
    containerMountsFor: (resolveContainer) => new ContainerMounts({ volumes: service, daemonRoot: o.root, resolveContainer, layerDirs: o.layerDirs }),
    registerStep: (pipeline) => pipeline.register(volumesStep(driver, undefined, o.events), { before: 'spec' }),
    adoptMounts(isRunning, logger) {
      try {
        const unmounted = driver.adoptMounts((name) => service.users(name).filter(isRunning));
        if (unmounted.length) logger.info({ volumes: unmounted }, 'unmounted volumes no running container holds');
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'could not adopt the mounted volumes');
      }
    },
  };
}
