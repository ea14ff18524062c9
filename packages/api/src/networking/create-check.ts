// docker create's network checks: the network named by NetworkMode exists,
// the endpoint settings asked for suit it, and the options that conflict
// with a shared namespace are refused — all before anything is created.
import type { NetworkService } from '@ce/network';
import { invalidArgument, isCeError, notFound } from '@ce/protocol/errors';
import type { ContainerConfig, EndpointSettings, HostConfig } from '../containers/model/docker-types.js';
import { emptyEndpoint } from '../containers/model/defaults.js';
import { checkEndpointOnNetwork, parseNetworkMode } from './network-mode.js';

/** Docker's NetworkingConfig: per network, the endpoint settings asked for at create. */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, Partial<EndpointSettings> | null>;
}

export interface CreateNetworkCheck {
  /** The container's initial NetworkSettings.Networks; throws Docker's errors. */
  networksFor(config: Partial<ContainerConfig>, hostConfig: Partial<HostConfig>, networking: NetworkingConfig): Promise<Record<string, EndpointSettings>>;
}

export function createNetworkCheck(networks: Pick<NetworkService, 'inspect'>, containerExists: (ref: string) => boolean): CreateNetworkCheck {
  return {
    async networksFor(config, hostConfig, networking) {
      const mode = parseNetworkMode(hostConfig.NetworkMode ?? 'default');
      const asked = networking.EndpointsConfig ?? {};
      const askedNames = Object.keys(asked);
      if (askedNames.length > 1) throw invalidArgument(`Container cannot be connected to network endpoints: ${askedNames.join(', ')}`);
      if (mode.kind === 'container') {
        if (config.Hostname) throw invalidArgument('conflicting options: hostname and the network mode');
        if (hostConfig.Dns?.length) throw invalidArgument('conflicting options: dns and the network mode');
        if (hostConfig.ExtraHosts?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
        if (config.MacAddress) throw invalidArgument('conflicting options: mac-address and the network mode');
        if (Object.keys(hostConfig.PortBindings ?? {}).length || hostConfig.PublishAllPorts) {
          throw invalidArgument('conflicting options: port publishing and the container type network mode');
        }
        if (Object.keys(config.ExposedPorts ?? {}).length) throw invalidArgument('conflicting options: port exposing and the container type network mode');
        if (!containerExists(mode.container)) throw notFound(`No such container: ${mode.container}`);
        return {};
      }
      const ref = mode.kind === 'network' ? mode.network : mode.kind;
      const network = await networks.inspect(ref).catch((err: unknown) => {
        throw isCeError(err, 'NotFound') ? notFound(`network ${ref} not found`) : err;
      });
      const settings: EndpointSettings = { ...emptyEndpoint(), ...(asked[ref] ?? asked[network.Name] ?? asked[network.Id] ?? {}) };
      checkEndpointOnNetwork(network.Name, { aliases: !!settings.Aliases?.length, fixedAddress: hasIpamAddress(settings.IPAMConfig) });
      if (hostConfig.Links?.length && mode.kind === 'host') throw invalidArgument('conflicting options: host type networking can\'t be used with links. This would result in undefined behavior');
      return { [network.Name]: { ...settings, NetworkID: '' } };
    },
  };
}

function hasIpamAddress(ipam: unknown): boolean {
  const v = ipam as { IPv4Address?: string; IPv6Address?: string } | null;
  return !!(v?.IPv4Address || v?.IPv6Address);
}
