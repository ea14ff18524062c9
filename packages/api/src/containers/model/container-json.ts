import type { ContainerRecord } from '../record.js';
import type { ContainerJSON } from './docker-types.js';

/** `docker inspect`'s view of a record: Docker's fields, in Docker's order, without ced's own. */
export function toContainerJSON(record: ContainerRecord): ContainerJSON {
  const json: ContainerJSON = {
    Id: record.Id,
    Created: record.Created,
    Path: record.Path,
    Args: record.Args,
    State: record.State,
    Image: record.Image,
    ResolvConfPath: record.ResolvConfPath,
    HostnamePath: record.HostnamePath,
    HostsPath: record.HostsPath,
    LogPath: record.LogPath,
    Name: record.Name,
    RestartCount: record.RestartCount,
    Driver: record.Driver,
    Platform: record.Platform,
    MountLabel: record.MountLabel,
    ProcessLabel: record.ProcessLabel,
    AppArmorProfile: record.AppArmorProfile,
    ExecIDs: record.ExecIDs,
    HostConfig: record.HostConfig,
    GraphDriver: record.GraphDriver,
    ...(record.SizeRw !== undefined ? { SizeRw: record.SizeRw, SizeRootFs: record.SizeRootFs } : {}),
    Mounts: record.Mounts,
    Config: record.Config,
    NetworkSettings: record.NetworkSettings,
  };
  return json;
}
