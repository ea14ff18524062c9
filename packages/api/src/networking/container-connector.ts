// docker network connect / disconnect: a running container joins or leaves
// at once (its /etc files rewritten in place); any container keeps the
// change in its record for its next start.
import type { ContainerNetworking, Endpoint, NetworkResource, NetworkService } from '@ce/network';
import { CeError, failedPrecondition, isCeError } from '@ce/protocol/errors';
import { emptyEndpoint } from '../containers/model/defaults.js';
import type { EndpointSettings } from '../containers/model/docker-types.js';
import type { ContainerRecord } from '../containers/record.js';
import type { EventPublisher } from '../events/event-publisher.js';
import { endpointAliases, endpointLinks } from './aliases.js';
import type { ContainerEtcFiles } from './etc-files.js';
import type { ContainerNetworkConnector, EndpointConfig } from './network-connector.js';
import { checkEndpointOnNetwork, parseNetworkMode } from './network-mode.js';
import { joinedEndpoint, runningNetworkSettings } from './network-settings.js';

export interface ContainerConnectorDeps {
  networks: NetworkService & ContainerNetworking;
  containers: { resolve(ref: string): ContainerRecord; save(record: ContainerRecord): Promise<void> };
  etcFiles: ContainerEtcFiles;
  events: Pick<EventPublisher, 'network'>;
}

const SHARED_NAMESPACE = 'container sharing network namespace with another container or host cannot be connected to any other network';

export class ContainerConnector implements ContainerNetworkConnector {
  /** One change at a time per container: two connects must not pick the same interface. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ContainerConnectorDeps) {}

  connect(networkRef: string, containerRef: string, config: EndpointConfig): Promise<void> {
    const record = this.deps.containers.resolve(containerRef);
    return this.serial(record.Id, () => this.connectNow(networkRef, record, config));
  }

  disconnect(networkRef: string, containerRef: string, force: boolean): Promise<void> {
    const record = this.deps.containers.resolve(containerRef);
    return this.serial(record.Id, () => this.disconnectNow(networkRef, record, force));
  }

  private async connectNow(networkRef: string, record: ContainerRecord, config: EndpointConfig): Promise<void> {
    const network = await this.deps.networks.inspect(networkRef);
    const mode = parseNetworkMode(record.HostConfig.NetworkMode);
    if (mode.kind === 'host' || network.Driver === 'host') throw failedPrecondition('container cannot be disconnected from host network or connected to host network');
    if (mode.kind === 'container') throw failedPrecondition(SHARED_NAMESPACE);
    if (mode.kind === 'none' || network.Driver === 'null') {
      throw failedPrecondition('container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
    if (record.NetworkSettings.Networks[network.Name]) throw new CeError('PermissionDenied', `endpoint with name ${record.Name.replace(/^\//, '')} already exists in network ${network.Name}`);
    checkEndpointOnNetwork(network.Name, { aliases: config.aliases.length > 0, fixedAddress: !!config.ipv4Address });
    const asked: EndpointSettings = {
      ...emptyEndpoint(),
      Aliases: endpointAliases(network.Name, config.aliases, record.Id),
      IPAMConfig: config.ipv4Address ? { IPv4Address: config.ipv4Address } : null,
      Links: config.links.length ? config.links : null,
      NetworkID: network.Id,
    };
    if (record.State.Running) {
      const current = await this.deps.networks.endpoints(record.Id);
      const ep = await this.deps.networks.connect(network.Id, {
        containerId: record.Id,
        containerName: record.Name.replace(/^\//, ''),
        netnsPath: record.NetworkSettings.SandboxKey,
        ifName: nextInterface(current),
        aliases: asked.Aliases ?? [],
        links: endpointLinks(config.links),
        ipv4Address: config.ipv4Address,
      });
      record.NetworkSettings.Networks[network.Name] = joinedEndpoint(asked, ep);
      await this.refresh(record, [...current, ep]);
      this.deps.events.network(network, 'connect', record.Id);
    } else {
      record.NetworkSettings.Networks[network.Name] = asked;
    }
    await this.deps.containers.save(record);
  }

  private async disconnectNow(networkRef: string, record: ContainerRecord, force: boolean): Promise<void> {
    const network = await this.deps.networks.inspect(networkRef).catch((err: unknown): NetworkResource | undefined => {
      // -f: the container leaves a network that is gone.
      if (force && isCeError(err, 'NotFound') && record.NetworkSettings.Networks[networkRef]) return undefined;
      throw err;
    });
    const name = network?.Name ?? networkRef;
    const mode = parseNetworkMode(record.HostConfig.NetworkMode);
    if (mode.kind === 'host' || network?.Driver === 'host') throw failedPrecondition('container cannot be disconnected from host network or connected to host network');
    if (mode.kind === 'container') throw failedPrecondition(SHARED_NAMESPACE);
    if (!record.NetworkSettings.Networks[name]) throw failedPrecondition(`container ${record.Id} is not connected to the network ${name}`);
    if (record.State.Running && network) {
      await this.deps.networks.disconnect(network.Id, record.Id);
      delete record.NetworkSettings.Networks[name];
      await this.refresh(record, await this.deps.networks.endpoints(record.Id));
      this.deps.events.network(network, 'disconnect', record.Id);
    } else {
      delete record.NetworkSettings.Networks[name];
    }
    await this.deps.containers.save(record);
  }

  /** NetworkSettings and the /etc files of a running container from its endpoints now. */
  private async refresh(record: ContainerRecord, endpoints: readonly Endpoint[]): Promise<void> {
    const joined = new Map(endpoints.map((ep) => [ep.networkName, ep]));
    const s = record.NetworkSettings;
    record.NetworkSettings = runningNetworkSettings(s, { id: s.SandboxID, key: s.SandboxKey }, joined, Object.keys(record.Config.ExposedPorts ?? {}));
    const dnsServers = endpoints.flatMap((ep) => (ep.dnsServer ? [ep.dnsServer] : []));
    await this.deps.etcFiles.rewrite(record, { hostNetwork: false, addresses: endpoints.flatMap((ep) => (ep.ipAddress ? [ep.ipAddress] : [])), dnsServers });
  }

  private serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => this.queues.get(id) === tail && this.queues.delete(id));
    return run;
  }
}

/** The first ethN no endpoint of the container uses. */
export function nextInterface(endpoints: readonly Endpoint[]): string {
  const used = new Set(endpoints.map((ep) => ep.ifName));
  let n = 0;
  while (used.has(`eth${n}`)) n++;
  return `eth${n}`;
}
