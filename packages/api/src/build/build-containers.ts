// The build's step containers: a ContainerService of the "build" namespace
// (its own records, tasks and layers, which ce ps, prune and ced's own
// recovery never see), run attached, their layer read for the commit.
import { mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BuildContainers, StepContainerSpec } from '@ce/builder';
import type { ImageStore } from '@ce/image-store';
import { isCeError } from '@ce/protocol';
import type { ContainerService } from '../containers/container-service.js';


export function buildContainers(containers: ContainerService, images: ImageStore, scratchDir: string): BuildContainers {
  return {
    async create(spec: StepContainerSpec) {
      const c = spec.config;
      const record = await containers.create({
        name: '',
        config: {
          Image: spec.image,
          Cmd: c.Cmd ?? [],
          // [] rather than null: the image's ENTRYPOINT must not wrap the step's command (Docker's withEntrypointOverride).
          Entrypoint: c.Entrypoint ?? [],
          Env: c.Env ?? [],
          ...(c.User ? { User: c.User } : {}),
          ...(c.WorkingDir ? { WorkingDir: c.WorkingDir } : {}),
          // Anonymous volumes at the image's VOLUME paths, as Docker's builder has them: what a RUN writes there is not committed.
          ...(c.Volumes && Object.keys(c.Volumes).length ? { Volumes: c.Volumes } : {}),
          AttachStdout: true,
          AttachStderr: true,
        },
        hostConfig: {
          NetworkMode: spec.network === 'default' ? 'bridge' : spec.network,
          LogConfig: { Type: 'none', Config: {} },
        },
      });
      return record.Id;
    },
    async run(id, output, signal) {
      const session = containers.attach({ id, stdin: false, stdout: true, stderr: true });
      const kill = () => void containers.kill(id, 'SIGKILL').catch(() => undefined);
      signal.addEventListener('abort', kill, { once: true });
      try {
        const exited = containers.wait(id, 'next-exit');
        await containers.start(id);
        for await (const chunk of session.output) output(chunk.data);
        return await exited;
      } finally {
        signal.removeEventListener('abort', kill);
        session.close();
      }
    },
    async withRootfs(id, fn) {
      const target = await mkdtemp(join(scratchDir, 'rootfs-'));
      try {
        await images.mount(id, target);
        try {
          return await fn(target);
        } finally {
          await images.unmount(target);
        }
      } finally {
        await rmdir(target).catch(() => undefined);
      }
    },
    async *changes(id) {
      const out = new PassThrough({ highWaterMark: 1024 * 1024 });
      const writing = images.rootfsChanges(id, out).then(
        () => out.end(),
        (err: Error) => out.destroy(err),
      );
      try {
        for await (const chunk of out) yield chunk as Uint8Array;
      } finally {
        out.destroy();
        await writing;
      }
    },
    async remove(id) {
      await containers.remove(id, true, true).catch((err: unknown) => {
        if (!isCeError(err, 'NotFound')) throw err;
      });
    },
  };
}

/** Recovery: a killed ced's build containers are removed with their layers (a build does not outlive its call). */
export async function removeBuildContainers(containers: ContainerService): Promise<number> {
  let removed = 0;
  for (const record of containers.all()) {
    await containers.remove(record.Id, true, true);
    removed++;
  }
  return removed;
}
