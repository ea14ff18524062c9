// The network model, Docker's: NetworkResource is what `docker network
// inspect` prints (Engine API 1.41 GET /networks/{id}); the requests carry
// the fields of POST /networks/create and /networks/{id}/connect.
import type { PortMapping, PortProtocol } from './firewall.js';

export interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** CIDR, e.g. 10.211.0.2/24 */
  IPv4Address: string;
  IPv6Address: string;
}

/** `docker network inspect` of one network, with Docker's key order. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  /** 'bridge', 'host', 'null', or 'cni'. */
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface CreateNetworkRequest {
  Name: string;
  /** Default 'bridge'. */
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfig[]; Options?: Record<string, string> };
  /** Driver options, e.g. com.docker.network.bridge.name, com.docker.network.driver.mtu. */
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** One port to publish (a HostConfig.PortBindings entry): hostPort 0 picks a free port. */
export interface PortBindingRequest {
  containerPort: number;
  protocol: PortProtocol;
  hostIp: string;
  hostPort: number;
  /** For a host range `-p 8000-8010:80`: the last port of the range to pick from. */
  hostPortEnd?: number;
}

export interface AttachRequest {
  containerId: string;
  /** Without Docker's leading slash. */
  containerName: string;
  /** The container's pinned network namespace. */
  netnsPath: string;
  /** Default: eth0 for the first network, eth1… after. */
  ifName?: string;
  /** DNS names besides the container's name and short id (--network-alias, compose service names). */
  aliases?: string[];
  /** --ip */
  ipv4Address?: string;
  /** --mac-address */
  macAddress?: string;
  ports?: PortBindingRequest[];
}

/** A container's place on one network: what ced records as EndpointSettings. */
export interface Endpoint {
  /** 64 hex characters. */
  id: string;
  networkId: string;
  networkName: string;
  containerId: string;
  ifName: string;
  /** Host side of the veth pair. */
  hostIfName: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  /** The ports as published, host ports chosen. */
  ports: PortMapping[];
  /** The embedded DNS server for the container's resolv.conf, when the network has one. */
  dnsServer?: string;
}

export interface NetworkFilters {
  name?: string[];
  id?: string[];
  label?: string[];
  driver?: string[];
  type?: Array<'custom' | 'builtin'>;
}

/** The network service, as a library (NetworkManager) and over gRPC (ce.network.v1). */
export interface NetworkService {
  create(req: CreateNetworkRequest): Promise<NetworkResource>;
  list(filters?: NetworkFilters): Promise<NetworkResource[]>;
  /** By full id, unique id prefix or name; NotFound otherwise. */
  inspect(ref: string): Promise<NetworkResource>;
  /** FailedPrecondition while containers are attached; the predefined networks cannot be removed. */
  remove(ref: string): Promise<void>;
  /** Removes the unused custom networks; returns their names. */
  prune(filters?: NetworkFilters): Promise<string[]>;
}
