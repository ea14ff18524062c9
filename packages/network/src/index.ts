export type { LinkInfo, LinkOps, NetnsOps, RouteInfo } from './link-ops.js';
export type { Firewall, FirewallNetwork, PortMapping, PortProtocol } from './firewall.js';
export type {
  AttachRequest,
  ContainerNetworking,
  DnsRegistry,
  HostPortRequest,
  PortReserver,
  CreateNetworkRequest,
  Endpoint,
  IpamConfig,
  NetworkContainer,
  NetworkFilters,
  NetworkResource,
  NetworkService,
  PortBindingRequest,
} from './types.js';
export { IptablesFirewall, type IptablesFirewallOptions } from './firewall/iptables-firewall.js';
export { commandRunner, type CommandRunner } from './firewall/command.js';
export { procSysctls, type Sysctls } from './firewall/sysctls.js';
export { chainsFor, type Chains } from './firewall/rules.js';
export { SocketPortReserver, kernelEphemeralRange, type ReservingEndpoint, type SocketPortReserverOptions } from './ports/socket-port-reserver.js';
