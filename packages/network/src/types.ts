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
  /** --link on a user-defined network: names that resolve for this container only. */
  links?: DnsLink[];
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
  /** The network's driver when it is not 'bridge' ('cni'). */
  driver?: string;
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

/** A container's networking, as ced's start pipeline uses it (NetworkManager implements it). */
export interface ContainerNetworking {
  /** A new network namespace for the container, pinned under the manager's run folder; returns its path. */
  createSandbox(containerId: string): Promise<string>;
  /** Nothing to do when there is none. */
  removeSandbox(containerId: string): Promise<void>;
  /** Joins a container to a network: veth, address, routes, published ports, DNS names. Nothing is left when it fails. */
  connect(networkRef: string, req: AttachRequest): Promise<Endpoint>;
  /** Undoes connect; nothing to do when the container is not on the network. */
  disconnect(networkRef: string, containerId: string): Promise<void>;
  endpoints(containerId: string): Promise<Endpoint[]>;
  /**
   * After ced restarted (perhaps after a kill -9): the endpoints, leases,
   * rules, DNS names and sandboxes of containers not in `live` go; those of
   * the live ones are programmed again where they are missing, never twice.
   */
  reconcile(live: ReadonlySet<string>): Promise<void>;
}

/** What the embedded DNS server needs to know of a network besides its id and gateway. */
export interface DnsNetworkOptions {
  /** The network's name: `container.<name>` resolves, and PTR answers `<container>.<name>`. */
  name?: string;
  /** An --internal network: its names only, nothing forwarded upstream (SERVFAIL). */
  internal?: boolean;
}

/** A --link on a user-defined network: `alias` answers, for the linking container only, with container `name`'s address. */
export interface DnsLink {
  alias: string;
  name: string;
}

/** The names the embedded DNS server answers on one network (src/dns/ implements it). */
export interface DnsRegistry {
  /** Starts answering on the network's gateway address (UDP and TCP port 53; the address must be on the bridge already). Idempotent. */
  addNetwork(networkId: string, gateway: string, options?: DnsNetworkOptions): Promise<void>;
  /** Stops the network's listener and forgets its names; nothing to do for an unknown network. */
  removeNetwork(networkId: string): Promise<void>;
  /**
   * A container's names (its name first: the PTR answer; then aliases, short
   * id) → its address on that network; `links` are its --link aliases there.
   * Replaces what the container had on the network.
   */
  addRecords(networkId: string, containerId: string, names: readonly string[], ipv4: string, links?: readonly DnsLink[]): void;
  removeRecords(networkId: string, containerId: string): void;
}

/** A host port requested for publishing; hostPort 0 picks a free one (hostPortEnd bounds a range). */
export interface HostPortRequest {
  protocol: PortProtocol;
  hostIp: string;
  hostPort: number;
  hostPortEnd?: number;
}

/**
 * Holds the host ports a container publishes, as Docker does without its
 * userland proxy: a bound socket per port, so a port in use is an error at
 * start and no other program takes it while the container runs.
 */
export interface PortReserver {
  /**
   * All or nothing: on failure nothing stays reserved. Returns the ports chosen, in request order.
   * With `endpoint`, errors read as Docker's: `driver failed programming external connectivity on endpoint <name> (<id>): …`.
   */
  reserve(containerId: string, requests: readonly HostPortRequest[], endpoint?: { name: string; id: string }): Promise<HostPortRequest[]>;
  release(containerId: string): Promise<void>;
}
