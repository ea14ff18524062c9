// ced's builder: a container service of the build namespace (its records
// under <root>/builder/containers, its tasks' bundles under
// <state>/build-tasks), the executor over it and the image store, and the
// ce.build.v1 service. The cache is image records named ce-build-cache:<key>,
// so it survives restarts with the image store (decision 0054).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Builder, builderGrpcService } from '@ce/builder';
import { expandInstruction, parseDockerfile } from '@ce/builder/dockerfile';
import type { ImageStore } from '@ce/image-store';
import { BUILD_NAMESPACE, type Logger } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';
import { CED_OWNER, ContainerService, type ContainerServiceOptions } from '../containers/container-service.js';
import { ContainerStore } from '../containers/container-store.js';
import type { SecurityDefaults } from '../containers/security-options.js';
import { recover } from '../recovery.js';
import { buildContainers, removeBuildContainers } from './build-containers.js';
import { buildImages } from './build-images.js';

export interface BuilderSubsystemParts {
  root: string;
  state: string;
  images: ImageStore;
  supervisor: SupervisorApi;
  logger: Logger;
  security: SecurityDefaults;
  /** The options build containers share with ced's (init, runtimes, exits, the network check). */
  containerOptions: ContainerServiceOptions;
  /** Registers the start steps a container needs (the network step) on the build's service; `containerDir` is where a build container's files go. */
  registerSteps(service: ContainerService, containerDir: (id: string) => string): void;
}

export interface BuilderSubsystem {
  service: ReturnType<typeof builderGrpcService>;
  containers: ContainerService;
  /** What a killed ced left: build containers (their tasks and layers) and unpacked contexts. */
  recover(): Promise<{ containers: number }>;
}

export async function openBuilder(parts: BuilderSubsystemParts): Promise<BuilderSubsystem> {
  const root = join(parts.root, 'builder');
  const scratchDir = join(root, 'tmp');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const store = new ContainerStore(join(root, 'containers'));
  const containers = new ContainerService(
    store,
    parts.images,
    parts.supervisor,
    join(parts.state, 'build-tasks'),
    parts.logger,
    parts.security,
    undefined,
    { namespace: BUILD_NAMESPACE, name: CED_OWNER },
    parts.containerOptions,
  );
  parts.registerSteps(containers, (id) => store.containerDir(id));
  const builder = new Builder({
    images: buildImages(parts.images),
    containers: buildContainers(containers, parts.images, scratchDir),
    expand: expandInstruction,
    scratchDir,
  });
  return {
    containers,
    service: builderGrpcService({ builder, parse: (text, fileName) => parseDockerfile(text, { fileName }), scratchDir }),
    async recover() {
      await recover(containers, parts.supervisor, parts.logger);
      const removed = await removeBuildContainers(containers);
      // Contexts and scratch trees of builds that ended with the ced that ran them.
      await rm(scratchDir, { recursive: true, force: true });
      await mkdir(scratchDir, { recursive: true, mode: 0o700 });
      if (removed) parts.logger.info({ removed }, 'removed the build containers a previous ced left');
      return { containers: removed };
    },
  };
}
