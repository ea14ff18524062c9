// docker update (moby daemon/update.go): the limits are kept in the record
// and, while the container runs, applied to its task's cgroup.
import { invalidArgument } from '@ce/protocol';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import { isRunning, type ContainerRecord } from './record.js';
import { cgroupUpdate, mergeResources } from './resources.js';
import type { TaskContext } from './task-context.js';

export async function updateContainer(record: ContainerRecord, resources: Resources | undefined, nanoCpus: number, ctx: TaskContext): Promise<string[]> {
  if (record.state.status === 'removing' || record.state.status === 'dead') {
    throw invalidArgument(`Cannot update container ${record.id}: container is marked for removal and cannot be "update"`);
  }
  const next = mergeResources(record.id, record.resources, resources, nanoCpus);
  if (isRunning(record.state)) {
    try {
      await ctx.supervisor.updateTask({ id: record.id, resources: cgroupUpdate(resources, nanoCpus) });
    } catch (err) {
      throw invalidArgument(`Cannot update container ${record.id}: ${(err as Error).message}`);
    }
  }
  record.resources = next;
  await ctx.save(record);
  ctx.logger.info({ id: record.id, resources: next }, 'container resources updated');
  return [];
}
