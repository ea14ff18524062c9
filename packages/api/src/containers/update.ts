// docker update (moby daemon/update.go): the limits are kept in the record's
// HostConfig (the next start's spec takes them from there) and, while the
// container runs, applied to its task's cgroup.
import { invalidArgument } from '@ce/protocol';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ContainerRecord } from './record.js';
import type { HostResources } from './resource-options.js';
import { cgroupUpdate, updatedHostConfig } from './resources.js';
import type { TaskContext } from './task-context.js';

export async function updateContainer(
  record: ContainerRecord,
  resources: Resources | undefined,
  nanoCpus: number,
  ctx: TaskContext & { host: HostResources },
): Promise<string[]> {
  if (record.State.Status === 'removing' || record.State.Status === 'dead') {
    throw invalidArgument(`Cannot update container ${record.Id}: container is marked for removal and cannot be "update"`);
  }
  const next = updatedHostConfig(record.Id, record.HostConfig, resources, nanoCpus, ctx.host);
  if (record.State.Running) {
    try {
      await ctx.supervisor.updateTask({ id: record.Id, resources: cgroupUpdate(resources, nanoCpus) });
    } catch (err) {
      throw invalidArgument(`Cannot update container ${record.Id}: ${(err as Error).message}`);
    }
  }
  record.HostConfig = next;
  await ctx.save(record);
  ctx.logger.info({ id: record.Id, resources, nanoCpus }, 'container resources updated');
  return [];
}
