// A container's NetworkSettings as Docker's inspect shows them, from the
// endpoints @ce/network made for it.
import type { Endpoint } from '@ce/network';
import type { EndpointSettings, NetworkSettings, PortBinding } from '../containers/model/docker-types.js';
import { emptyEndpoint } from '../containers/model/defaults.js';
import { DEFAULT_NETWORK } from './network-mode.js';

/** A network's entry once the container is on it: what was asked (aliases, IPAM config, links) kept. */
export function joinedEndpoint(asked: EndpointSettings | undefined, ep: Endpoint): EndpointSettings {
  const base = asked ?? emptyEndpoint();
  return {
    ...base,
    NetworkID: ep.networkId,
    EndpointID: ep.id,
    Gateway: ep.gateway,
    IPAddress: ep.ipAddress,
    IPPrefixLen: ep.prefixLen,
    MacAddress: ep.macAddress,
  };
}

/** The entry after the container left the network or stopped: what was asked stays, the addresses go. */
export function leftEndpoint(settings: EndpointSettings): EndpointSettings {
  return { ...emptyEndpoint(), IPAMConfig: settings.IPAMConfig, Links: settings.Links, Aliases: settings.Aliases, NetworkID: settings.NetworkID, DriverOpts: settings.DriverOpts };
}

/**
 * Docker's Ports map: every exposed or published port as "80/tcp", with the
 * host side of each binding, or null when it is only exposed.
 */
export function portsMap(exposed: Iterable<string>, endpoints: readonly Endpoint[]): Record<string, PortBinding[] | null> {
  const ports: Record<string, PortBinding[] | null> = {};
  for (const port of exposed) ports[port] = null;
  for (const ep of endpoints) {
    for (const m of ep.ports) {
      const key = `${m.containerPort}/${m.protocol}`;
      const bindings = (ports[key] ??= []);
      const binding = { HostIp: m.hostIp || '0.0.0.0', HostPort: String(m.hostPort) };
      if (!bindings.some((b) => b.HostIp === binding.HostIp && b.HostPort === binding.HostPort)) bindings.push(binding);
    }
  }
  return ports;
}

/**
 * The settings of a running container: one entry per network, the legacy
 * top-level address fields from the default bridge network only (as Docker
 * fills them), the sandbox's id and path.
 */
export function runningNetworkSettings(
  settings: NetworkSettings,
  sandbox: { id: string; key: string },
  joined: ReadonlyMap<string, Endpoint>,
  exposed: Iterable<string>,
): NetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, asked] of Object.entries(settings.Networks)) {
    const ep = joined.get(name);
    networks[name] = ep ? joinedEndpoint(asked, ep) : asked;
  }
  const bridge = joined.get(DEFAULT_NETWORK);
  return {
    ...settings,
    SandboxID: sandbox.id,
    SandboxKey: sandbox.key,
    Ports: portsMap(exposed, [...joined.values()]),
    EndpointID: bridge?.id ?? '',
    Gateway: bridge?.gateway ?? '',
    IPAddress: bridge?.ipAddress ?? '',
    IPPrefixLen: bridge?.prefixLen ?? 0,
    MacAddress: bridge?.macAddress ?? '',
    Networks: networks,
  };
}

/** The settings of a stopped container: no sandbox, no addresses, no ports. */
export function stoppedNetworkSettings(settings: NetworkSettings): NetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  for (const [name, ep] of Object.entries(settings.Networks)) networks[name] = leftEndpoint(ep);
  return { ...settings, SandboxID: '', SandboxKey: '', Ports: {}, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', Networks: networks };
}
