// Docker's update body (UpdateConfig: Resources and RestartPolicy) as ce's
// UpdateContainerRequest. The docker CLI sends every field, unset ones as
// zero, empty or null, which dockerd reads as "leave as it is".
import { invalidArgument } from '@ce/protocol';
import type { UpdateContainerRequest } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';

type Body = Record<string, unknown>;

/** Resources Docker can update that ce's cgroup updates do not cover: refused when set, not dropped. */
const NOT_UPDATABLE = [
  'CgroupParent',
  'BlkioWeight',
  'BlkioWeightDevice',
  'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps',
  'BlkioDeviceWriteIOps',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'Devices',
  'DeviceCgroupRules',
  'DeviceRequests',
  'KernelMemory',
  'KernelMemoryTCP',
  'MemorySwappiness',
  'OomKillDisable',
  'Ulimits',
  'CpuCount',
  'CpuPercent',
  'IOMaximumIOps',
  'IOMaximumBandwidth',
];

/** Zero, empty, false and null mean "not given", as in dockerd. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === 0 || value === '' || value === false) return false;
  return !(Array.isArray(value) && value.length === 0);
}

function integer(body: Body, key: string): number | undefined {
  const value = body[key];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgument(`${key} must be an integer, not ${JSON.stringify(value)}`);
  return value;
}

function text(body: Body, key: string): string | undefined {
  const value = body[key];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'string') throw invalidArgument(`${key} must be a string, not ${JSON.stringify(value)}`);
  return value;
}

export function updateContainerRequest(id: string, body: Body): UpdateContainerRequest {
  for (const key of NOT_UPDATABLE) if (isSet(body[key])) throw invalidArgument(`ce cannot update ${key} of a container`);
  const resources: Resources = {};
  const set = <K extends keyof Resources>(key: K, value: Resources[K] | undefined) => {
    if (value !== undefined) resources[key] = value;
  };
  set('memory', integer(body, 'Memory'));
  set('memorySwap', integer(body, 'MemorySwap'));
  set('memoryReservation', integer(body, 'MemoryReservation'));
  set('cpuShares', integer(body, 'CpuShares'));
  set('cpuQuota', integer(body, 'CpuQuota'));
  set('cpuPeriod', integer(body, 'CpuPeriod'));
  set('cpusetCpus', text(body, 'CpusetCpus'));
  set('cpusetMems', text(body, 'CpusetMems'));
  // null leaves it; 0 and -1 both mean unlimited
  if (body.PidsLimit !== undefined && body.PidsLimit !== null) {
    if (typeof body.PidsLimit !== 'number' || !Number.isInteger(body.PidsLimit)) throw invalidArgument(`PidsLimit must be an integer, not ${JSON.stringify(body.PidsLimit)}`);
    resources.pidsLimit = body.PidsLimit;
  }
  const policy = body.RestartPolicy as { Name?: unknown; MaximumRetryCount?: unknown } | null | undefined;
  const restartPolicy = policy && typeof policy.Name === 'string' && policy.Name !== '' ? { name: policy.Name, maximumRetryCount: Number(policy.MaximumRetryCount ?? 0) } : undefined;
  return { id, resources, nanoCpus: integer(body, 'NanoCpus') ?? 0, ...(restartPolicy ? { restartPolicy } : {}) };
}
