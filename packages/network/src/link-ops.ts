// What the bridge driver needs from the kernel's links, addresses and routes,
// and from network namespaces. One implementation speaks rtnetlink through
// the native addon (src/netlink/); unit tests use a fake. `netns` is the path
// of a pinned network namespace (a bind mount of /proc/<pid>/ns/net); absent,
// the call acts in ced's own (the host's) namespace.

export interface LinkInfo {
  index: number;
  name: string;
  /** 'bridge', 'veth', … ('' for a device without IFLA_INFO_KIND, e.g. lo or a physical NIC). */
  kind: string;
  mtu: number;
  /** aa:bb:cc:dd:ee:ff */
  mac: string;
  up: boolean;
  /** The bridge this link is a port of, by name. */
  master?: string;
}

export interface RouteInfo {
  /** 'default' or a CIDR. */
  dst: string;
  gateway?: string;
  dev?: string;
}

export interface LinkOps {
  /**
   * Creates a bridge device, down, with a MAC address of its own (`mac`, or
   * a random locally administered one) that its ports never change. Throws
   * AlreadyExists if the name is taken.
   */
  createBridge(name: string, opts?: { mtu?: number; mac?: string }): Promise<void>;
  /**
   * Creates a veth pair: `hostName` in ced's namespace, `peerName` created
   * directly inside `peerNetns` (so it may be named eth0), both down.
   */
  createVethPair(hostName: string, peerName: string, peerNetns: string, opts?: { mtu?: number; peerMac?: string }): Promise<void>;
  /** Removes a link; nothing to do when it is absent. Removing one end of a veth removes both. */
  deleteLink(name: string, netns?: string): Promise<void>;
  getLink(name: string, netns?: string): Promise<LinkInfo | null>;
  listLinks(netns?: string): Promise<LinkInfo[]>;
  setMaster(name: string, bridge: string): Promise<void>;
  /** IFLA_BRPORT_HAIRPIN on a bridge port, so a container reaches its own published ports. */
  setHairpin(name: string, on: boolean): Promise<void>;
  setUp(name: string, netns?: string): Promise<void>;
  setDown(name: string, netns?: string): Promise<void>;
  /** Adds an IPv4 address (CIDR); nothing to do when the link has it already. */
  addAddress(name: string, cidr: string, netns?: string): Promise<void>;
  listAddresses(name: string, netns?: string): Promise<string[]>;
  /** Adds a route; nothing to do when it exists. */
  addRoute(route: RouteInfo, netns?: string): Promise<void>;
  listRoutes(netns?: string): Promise<RouteInfo[]>;
}

export interface NetnsOps {
  /** A new, empty network namespace (only `lo`, down) pinned at `path`. */
  create(path: string): Promise<void>;
  /** Unpins and removes the file; nothing to do when absent. */
  remove(path: string): Promise<void>;
  /** Writes a sysctl under /proc/sys/net inside the namespace (e.g. 'net.ipv4.conf.eth0.route_localnet'). */
  setSysctl(path: string, key: string, value: string): Promise<void>;
}
