// docker update (moby daemon/update.go): the limits are kept in the record's
// HostConfig (the next start's spec takes them from there) and, while the
// container runs, applied to its task's cgroup.
import { checkRestartPolicy } from './restart-policy.js';
import type { RestartPolicy } from './model/docker-types.js';
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
  restartPolicy?: RestartPolicy,
): Promise<string[]> {
  if (record.State.Status === 'removing' || record.State.Status === 'dead') {
    throw invalidArgument(`Cannot update container ${record.Id}: container is marked for removal and cannot be "update"`);
  }
  if (restartPolicy) {
    // dockerd's update: the policy is checked as at create, and a --rm container keeps "no".
    try {
      checkRestartPolicy({ RestartPolicy: restartPolicy });
    } catch (err) {
      throw invalidArgument(`Cannot update container ${record.Id}: ${(err as Error).message}`);
    }
    if (record.HostConfig.AutoRemove && restartPolicy.Name !== '' && restartPolicy.Name !== 'no') {
      throw invalidArgument(`Cannot update container ${record.Id}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
    }
  }
  if (restartPolicy && !hasResources(resources, nanoCpus)) {
    record.HostConfig = { ...record.HostConfig, RestartPolicy: restartPolicy };
    await ctx.save(record);
    ctx.logger.info({ id: record.Id, restartPolicy }, 'container restart policy updated');
    return [];
  }
  const next = updatedHostConfig(record.Id, record.HostConfig, resources, nanoCpus, ctx.host);
  if (record.State.Running) {
    try {
      await ctx.supervisor.updateTask({ id: record.Id, resources: cgroupUpdate(resources, nanoCpus) });
    } catch (err) {
      throw invalidArgument(`Cannot update container ${record.Id}: ${(err as Error).message}`);
    }
  }
  record.HostConfig = restartPolicy ? { ...next, RestartPolicy: restartPolicy } : next;
  await ctx.save(record);
  ctx.logger.info({ id: record.Id, resources, nanoCpus }, 'container resources updated');
  return [];
}

function hasResources(resources: Resources | undefined, nanoCpus: number): boolean {
  return nanoCpus !== 0 || (resources !== undefined && Object.values(resources).some((v) => v !== undefined));
}
