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
export { netlinkLinkOps, NetlinkLinkOps, type NetlinkLinkOpsOptions } from './netlink/netlink-link-ops.js';
export { pinnedNetns, PinnedNetns, sysctlFile } from './netlink/pinned-netns.js';
export { NetworkManager, DEFAULT_BRIDGE_DEVICE, DEFAULT_BRIDGE_BIP, DEFAULT_NETNS_DIR, DEFAULT_STATE_DIR } from './network-manager.js';
export type { NetworkManagerOptions } from './network-manager.js';
export { DEFAULT_ADDRESS_POOLS } from './ipam/subnet-pools.js';
export type { AddressPool } from './ipam/subnet-pools.js';
