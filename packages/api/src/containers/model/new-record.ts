import { CONTAINER_RECORD_SCHEMA, type ContainerRecord } from '../record.js';
import { createdState, defaultNetworks, networkSettingsFor } from './defaults.js';
import type { ContainerConfig, EndpointSettings, HostConfig } from './docker-types.js';

/** What only the caller knows of a new record; the rest is Docker's value for a container just created. */
export interface NewRecordFields {
  id: string;
  name: string;
  created: string;
  path: string;
  args: string[];
  imageId: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** NetworkSettings.Networks as create's network check made them; by default the NetworkMode's own. */
  networks?: Record<string, EndpointSettings>;
}

/** A created container's record, as ced writes it (State created, no log yet, network per its NetworkMode). */
export function newContainerRecord(f: NewRecordFields): ContainerRecord {
  return {
    SchemaVersion: CONTAINER_RECORD_SCHEMA,
    Id: f.id,
    Created: f.created,
    Path: f.path,
    Args: f.args,
    State: createdState(),
    Image: f.imageId,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: `/${f.name}`,
    RestartCount: 0,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: f.hostConfig,
    GraphDriver: { Data: null, Name: 'overlayfs' },
    Mounts: [],
    Config: f.config,
    NetworkSettings: networkSettingsFor(f.networks ?? defaultNetworks(f.hostConfig.NetworkMode)),
  };
}
