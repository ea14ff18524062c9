export type { LinkInfo, LinkOps, NetnsOps, RouteInfo } from './link-ops.js';
export type { Firewall, FirewallNetwork, PortMapping, PortProtocol } from './firewall.js';
export type {
  AttachRequest,
  ContainerNetworking,
  DnsLink,
  DnsNetworkOptions,
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
export {
  EmbeddedDns,
  type ContainerResolverSettings,
  type EmbeddedDnsOptions,
} from './dns/embedded-dns.js';
export { parseUpstream, type Upstream } from './dns/upstream.js';
export { buildHostsFile, buildHostNetworkHostsFile, formatHostsRecords, ownHostNames, type HostsFileInput, type HostsRecord } from './etc-files/hosts.js';
export { HOST_GATEWAY, linkHostsRecords, parseExtraHost, parseExtraHosts, type LinkedContainer } from './etc-files/extra-hosts.js';
export { containerResolvConf, type ContainerResolvConf, type ResolvConfInput } from './etc-files/resolv-conf.js';
export {
  DEFAULT_IPV4_NAMESERVERS,
  DEFAULT_IPV6_NAMESERVERS,
  filterResolvConf,
  formatResolvConf,
  resolvNameservers,
  resolvOptions,
  resolvSearchDomains,
} from './etc-files/resolv-conf-parse.js';
export { hostResolvConfPath, readHostEtcHosts, readHostResolvConf } from './etc-files/host-files.js';
export { etcFilesPaths, hostnameFile, rewriteEtcFile, writeEtcFiles, type EtcFilesContent, type EtcFilesPaths } from './etc-files/writer.js';
export { NetworkManager, DEFAULT_BRIDGE_DEVICE, DEFAULT_BRIDGE_BIP, DEFAULT_NETNS_DIR, DEFAULT_STATE_DIR } from './network-manager.js';
export type { NetworkManagerOptions } from './network-manager.js';
export type { CniDriverSettings } from './cni-driver/cni-driver.js';
export { CNI_CONFIG_OPTION } from './cni-driver/cni-network-config.js';
export { DEFAULT_ADDRESS_POOLS } from './ipam/subnet-pools.js';
export type { AddressPool } from './ipam/subnet-pools.js';
export { FORWARD_POLICY, IptablesFirewall, type IptablesFirewallOptions } from './firewall/iptables-firewall.js';
export { commandRunner, type CommandRunner } from './firewall/command.js';
export { procSysctls, type Sysctls } from './firewall/sysctls.js';
export { chainsFor, type Chains } from './firewall/rules.js';
export { SocketPortReserver, kernelEphemeralRange, type ReservingEndpoint, type SocketPortReserverOptions } from './ports/socket-port-reserver.js';
