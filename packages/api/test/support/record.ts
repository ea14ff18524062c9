import { createdState, defaultHostConfig, mergeContainerConfig, networkSettingsFor, type ContainerConfig, type HostConfig } from '../../src/containers/model/index.js';
import { CONTAINER_RECORD_SCHEMA, type ContainerRecord } from '../../src/containers/record.js';

/** A created container's record as ced writes it, with the given Config and HostConfig fields over the defaults. */
export function testRecord(
  o: { id?: string; name?: string; args?: string[]; config?: Partial<ContainerConfig>; hostConfig?: Partial<HostConfig> } = {},
): ContainerRecord {
  const id = o.id ?? 'a'.repeat(64);
  const [path = 'id', ...args] = o.args ?? ['id'];
  const hostConfig = { ...defaultHostConfig(), ...o.hostConfig };
  return {
    SchemaVersion: CONTAINER_RECORD_SCHEMA,
    Id: id,
    Created: '2026-01-01T00:00:00.000Z',
    Path: path,
    Args: args,
    State: createdState(),
    Image: 'sha256:x',
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: `/${o.name ?? 'c'}`,
    RestartCount: 0,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfig,
    GraphDriver: { Data: null, Name: 'overlayfs' },
    Mounts: [],
    Config: { ...mergeContainerConfig(id, { Image: 'busybox' }, {}), ...o.config },
    NetworkSettings: networkSettingsFor(hostConfig.NetworkMode),
  };
}
