/** Docker's EndpointSettings as docker network connect sends them. */
export interface EndpointConfig {
  /** Network-scoped DNS names besides the container's name (--alias). */
  aliases: string[];
  /** --ip: a fixed address within the network's subnet. */
  ipv4Address?: string;
  /** --link: "container[:alias]". */
  links: string[];
}

/**
 * docker network connect / disconnect, by container name, id or unique id
 * prefix: ced implements it over its containers (a running container joins
 * at once; every container keeps it in its record for the next start).
 */
export interface ContainerNetworkConnector {
  connect(network: string, container: string, endpoint: EndpointConfig): Promise<void>;
  /** `force`: Docker's -f, disconnect even when the network does not know the container. */
  disconnect(network: string, container: string, force: boolean): Promise<void>;
}
