import { defaultHostConfig, mergeContainerConfig, newContainerRecord, type ContainerConfig, type HostConfig } from '../../src/containers/model/index.js';
import type { ContainerRecord } from '../../src/containers/record.js';

/** A created container's record as ced writes it, with the given Config and HostConfig fields over the defaults. */
export function testRecord(
  o: { id?: string; name?: string; args?: string[]; config?: Partial<ContainerConfig>; hostConfig?: Partial<HostConfig> } = {},
): ContainerRecord {
  const id = o.id ?? 'a'.repeat(64);
  const [path = 'id', ...args] = o.args ?? ['id'];
  const hostConfig = { ...defaultHostConfig(), ...o.hostConfig };
  return newContainerRecord({
    id,
    name: o.name ?? 'c',
    created: '2026-01-01T00:00:00.000Z',
    path,
    args,
    imageId: 'sha256:x',
    config: { ...mergeContainerConfig(id, { Image: 'busybox' }, {}), ...o.config },
    hostConfig,
  });
}
