// What the bridge driver needs from the packet filter: one network's NAT,
// forwarding and isolation, and published ports. The implementation owns
// its chains and nothing else (src/firewall/).

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface FirewallNetwork {
  /** ce's network id, for the rules' comments. */
  id: string;
  bridge: string;
  /** IPv4 CIDR. */
  subnet: string;
  /** No masquerade and no forwarding out: only the members reach each other. */
  internal: boolean;
  /** Inter-container traffic on this bridge (Docker's com.docker.network.bridge.enable_icc). */
  icc: boolean;
  /** Masquerade traffic leaving the subnet (Docker's com.docker.network.bridge.enable_ip_masquerade). */
  masquerade: boolean;
}

/** One published port as programmed: the host side and the container it reaches. */
export interface PortMapping {
  protocol: PortProtocol;
  /** '' or '0.0.0.0' for every host address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  /** The bridge the container's endpoint is on. */
  bridge: string;
  containerId: string;
}

export interface Firewall {
  /** ce's chains and the jumps to them exist (idempotent); ced calls it once at start. */
  init(): Promise<void>;
  addNetwork(net: FirewallNetwork): Promise<void>;
  /** Nothing to do when the network has no rules. */
  removeNetwork(net: FirewallNetwork): Promise<void>;
  addPortMappings(mappings: readonly PortMapping[]): Promise<void>;
  removePortMappings(mappings: readonly PortMapping[]): Promise<void>;
  /** The port mappings programmed now, for reconcile after a crash ('' for a mapping on every host address). */
  listPortMappings(): Promise<PortMapping[]>;
  /** Removes every chain and jump of this firewall (tests, and `ced` uninstall). */
  reset(): Promise<void>;
}
