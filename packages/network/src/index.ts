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
export * from './cni/index.js';
