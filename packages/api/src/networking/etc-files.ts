import type { ContainerRecord } from '../containers/record.js';

/** What the network step learnt that a container's /etc files need besides its record. */
export interface EtcFacts {
  /** --network host: the host's names and resolvers. */
  hostNetwork: boolean;
  /** The container's own IPv4 addresses, its first network's first. */
  addresses: string[];
  /** The embedded DNS servers of the user-defined networks the container is on, first network first. */
  dnsServers: string[];
}

export interface EtcFilePaths {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** Writes a container's /etc/hosts, /etc/hostname and /etc/resolv.conf (in its own folder) as Docker does. */
export interface ContainerEtcFiles {
  write(record: ContainerRecord, facts: EtcFacts): Promise<EtcFilePaths>;
  /** A running container's hosts and resolv.conf, after it joined or left a network: rewritten in place (its bind mounts hold the files). */
  rewrite(record: ContainerRecord, facts: EtcFacts): Promise<void>;
  /** The container stopped: what was kept for it besides the files (its DNS resolver settings) goes. */
  forget(containerId: string): void;
  /**
   * ced started again while the container runs: what is kept for it in
   * memory only (its DNS resolver settings: --dns upstreams, ndots) is set
   * again; its files stay as they are.
   */
  resume(record: ContainerRecord, facts: EtcFacts): Promise<void>;
}
