// What decoded JSON cannot tell about Docker's Go types (API 1.41), so that a
// template prints them as docker does: which objects are maps (`map[k:v]`,
// "<no value>" for a missing key), which nulls are slices (`[]`), and which
// fields `omitempty` drops (still there, at their zero value, in Go).
import type { GoShapes } from './go-values.js';

const configShapes = (prefix: string) => ({
  maps: ['ExposedPorts', 'Volumes', 'Labels'].map((f) => `${prefix}.${f}`),
  slices: ['Env', 'Cmd', 'Entrypoint', 'OnBuild', 'Shell', 'Healthcheck.Test'].map((f) => `${prefix}.${f}`),
  omitted: [
    prefix,
    [
      ['ExposedPorts', null],
      ['Healthcheck', null],
      ['ArgsEscaped', false],
      ['NetworkDisabled', false],
      ['MacAddress', ''],
      ['StopSignal', ''],
      ['StopTimeout', null],
      ['Shell', null],
    ],
  ] as [string, [string, unknown][]],
});

const HOST_CONFIG_SLICES = [
  'Binds', 'CapAdd', 'CapDrop', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'Links', 'SecurityOpt', 'VolumesFrom',
  'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'Ulimits', 'MaskedPaths', 'ReadonlyPaths', 'Mounts',
];

const containerConfig = configShapes('Config');

export const CONTAINER_SHAPES: GoShapes = {
  maps: new Set([
    ...containerConfig.maps,
    'HostConfig.PortBindings',
    'HostConfig.LogConfig.Config',
    'HostConfig.Tmpfs',
    'HostConfig.Sysctls',
    'HostConfig.StorageOpt',
    'NetworkSettings.Ports',
    'NetworkSettings.Networks',
    'NetworkSettings.Networks.*.DriverOpts',
    'GraphDriver.Data',
  ]),
  slices: new Set([
    'Args',
    'ExecIDs',
    'Mounts',
    ...containerConfig.slices,
    ...HOST_CONFIG_SLICES.map((f) => `HostConfig.${f}`),
    'NetworkSettings.SecondaryIPAddresses',
    'NetworkSettings.SecondaryIPv6Addresses',
    'NetworkSettings.Networks.*.Links',
    'NetworkSettings.Networks.*.Aliases',
    'State.Health.Log',
  ]),
  omitted: new Map([
    [
      '',
      [
        ['Node', null],
        ['SizeRw', null],
        ['SizeRootFs', null],
      ],
    ],
    ['State', [['Health', null]]],
    ['HostConfig', [['Init', null]]],
    containerConfig.omitted,
  ]),
};

const imageConfig = configShapes('Config');
const imageContainerConfig = configShapes('ContainerConfig');

export const IMAGE_SHAPES: GoShapes = {
  maps: new Set([...imageConfig.maps, ...imageContainerConfig.maps, 'GraphDriver.Data']),
  slices: new Set(['RepoTags', 'RepoDigests', 'RootFS.Layers', ...imageConfig.slices, ...imageContainerConfig.slices]),
  omitted: new Map([imageConfig.omitted, imageContainerConfig.omitted]),
};

/** types.NetworkResource (docker network inspect). */
export const NETWORK_SHAPES: GoShapes = {
  maps: new Set(['IPAM.Options', 'IPAM.Config[].AuxiliaryAddresses', 'Containers', 'Options', 'Labels', 'Services']),
  slices: new Set(['IPAM.Config', 'Peers']),
  omitted: new Map([
    [
      '',
      [
        ['Peers', null],
        ['Services', null],
      ],
    ],
  ]),
};

/**
 * A network's JSON as a template sees it: the IPAM pools' omitempty fields
 * back in their declared places (fromJson would add them at the end).
 */
export function networkTemplateJson(json: Record<string, unknown>): Record<string, unknown> {
  const ipam = json.IPAM as { Config?: Array<Record<string, unknown>> | null } | undefined;
  if (!ipam?.Config) return json;
  const Config = ipam.Config.map((c) => ({ Subnet: c.Subnet ?? '', IPRange: c.IPRange ?? '', Gateway: c.Gateway ?? '', AuxiliaryAddresses: c.AuxiliaryAddresses ?? null }));
  return { ...json, IPAM: { ...ipam, Config } };
}
