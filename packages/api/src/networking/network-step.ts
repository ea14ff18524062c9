// The start step that gives a container its network: a sandbox (a pinned
// network namespace) joined to its networks, or the host's or another
// container's namespace; its /etc/hosts, hostname and resolv.conf; and its
// NetworkSettings. Teardown undoes it from the manager's own records, so it
// works after a ced restart and does nothing when nothing was set up.
import { randomBytes } from 'node:crypto';
import type { ContainerNetworking, Endpoint, PortBindingRequest } from '@ce/network';
import type { Logger } from '@ce/protocol';
import { failedPrecondition } from '@ce/protocol/errors';
import { withHostNamespace, withHostsFiles, withNetnsPath } from '@ce/runtime/spec';
import type { ContainerRecord } from '../containers/record.js';
import type { EventPublisher } from '../events/event-publisher.js';
import type { StartContext, StartStep } from '../containers/start-pipeline.js';
import { endpointAliases, endpointLinks } from './aliases.js';
import type { ContainerEtcFiles } from './etc-files.js';
import { parseNetworkMode } from './network-mode.js';
import { runningNetworkSettings, stoppedNetworkSettings } from './network-settings.js';
import { portBindingRequests } from './port-requests.js';

export interface NetworkStepDeps {
  networking: ContainerNetworking;
  etcFiles: ContainerEtcFiles;
  /** A container by name or id (--network container:<ref>). */
  resolveContainer(ref: string): ContainerRecord;
  /** Docker's network connect and disconnect events as containers start and stop. */
  events?: Pick<EventPublisher, 'network'>;
  /** Logs how long a teardown that had something to undo took (`networkTeardownMs`), as setup's `networkMs`. */
  logger?: Pick<Logger, 'info'>;
  /** The predefined `host` and `none` networks' ids, which a container in those modes shows as Docker does. */
  predefinedNetworkId?(name: 'host' | 'none'): Promise<string>;
}

/** The network of an endpoint, as its events name it. */
export const endpointNetwork = (ep: Endpoint) => ({ Id: ep.networkId, Name: ep.networkName, Driver: ep.driver ?? 'bridge' });

export function networkStep(deps: NetworkStepDeps): StartStep {
  return {
    name: 'network',
    async setup(ctx: StartContext) {
      const record = ctx.record;
      const mode = parseNetworkMode(record.HostConfig.NetworkMode);
      if (mode.kind === 'host') {
        ctx.specOpts.push(withHostNamespace('network'));
        await useEtcFiles(ctx, await deps.etcFiles.write(record, { hostNetwork: true, addresses: [], dnsServers: [] }));
        await joinPredefined(deps, record, 'host');
        return;
      }
      if (mode.kind === 'container') {
        const other = deps.resolveContainer(mode.container);
        if (!other.State.Running) throw failedPrecondition(`cannot join network of a non running container: ${other.Id}`);
        if (other.Id === record.Id) throw failedPrecondition('cannot join own network');
        ctx.specOpts.push(withNetnsPath(other.NetworkSettings.SandboxKey || `/proc/${other.State.Pid}/ns/net`));
        // As Docker: the files and the names are the other container's.
        record.Config.Hostname = other.Config.Hostname;
        record.Config.Domainname = other.Config.Domainname;
        record.HostsPath = other.HostsPath;
        record.HostnamePath = other.HostnamePath;
        record.ResolvConfPath = other.ResolvConfPath;
        ctx.specOpts.push(withHostsFiles({ hosts: other.HostsPath, hostname: other.HostnamePath, resolvConf: other.ResolvConfPath }, record.HostConfig.ReadonlyRootfs));
        return;
      }
      const sandboxKey = await deps.networking.createSandbox(record.Id);
      ctx.specOpts.push(withNetnsPath(sandboxKey));
      const joined = new Map<string, Endpoint>();
      if (mode.kind === 'network') {
        // The network of NetworkMode first: it gets eth0, the default route and the published ports.
        const names = Object.keys(record.NetworkSettings.Networks);
        const ordered = [mode.network, ...names.filter((n) => n !== mode.network)];
        for (const [i, name] of ordered.entries()) {
          const asked = record.NetworkSettings.Networks[name];
          const aliases = endpointAliases(name, asked?.Aliases ?? null, record.Id);
          const ep = await deps.networking.connect(name, {
            containerId: record.Id,
            containerName: record.Name.replace(/^\//, ''),
            netnsPath: sandboxKey,
            ifName: `eth${i}`,
            aliases: aliases ?? [],
            links: endpointLinks(asked?.Links),
            ipv4Address: ipv4Asked(asked?.IPAMConfig),
            macAddress: i === 0 ? record.Config.MacAddress || undefined : undefined,
            ports: i === 0 ? portBindingRequests(record) : [],
          });
          joined.set(name, ep);
          if (asked) asked.Aliases = aliases;
          deps.events?.network(endpointNetwork(ep), 'connect', record.Id);
        }
      }
      record.NetworkSettings = runningNetworkSettings(record.NetworkSettings, { id: record.Id, key: sandboxKey }, joined, Object.keys(record.Config.ExposedPorts ?? {}));
      if (mode.kind === 'none') await joinPredefined(deps, record, 'none');
      const endpoints = [...joined.values()];
      const dnsServers = endpoints.flatMap((ep) => (ep.dnsServer ? [ep.dnsServer] : []));
      await useEtcFiles(ctx, await deps.etcFiles.write(record, { hostNetwork: false, addresses: endpoints.flatMap((ep) => (ep.ipAddress ? [ep.ipAddress] : [])), dnsServers }));
    },
    async teardown(record: ContainerRecord) {
      const t0 = performance.now();
      const endpoints = await deps.networking.endpoints(record.Id);
      for (const ep of endpoints) {
        await deps.networking.disconnect(ep.networkId, record.Id);
        deps.events?.network(endpointNetwork(ep), 'disconnect', record.Id);
      }
      await deps.networking.removeSandbox(record.Id);
      deps.etcFiles.forget(record.Id);
      const hadSandbox = Boolean(record.NetworkSettings.SandboxKey);
      record.NetworkSettings = stoppedNetworkSettings(record.NetworkSettings);
      if (endpoints.length || hadSandbox) {
        deps.logger?.info({ id: record.Id, endpoints: endpoints.length, networkTeardownMs: Math.round((performance.now() - t0) * 10) / 10 }, 'network torn down');
      }
    },
  };
}

/**
 * Docker shows a running container in host or none mode with that network's id
 * and an endpoint id of its own (no address); the endpoint id goes when it stops.
 */
async function joinPredefined(deps: NetworkStepDeps, record: ContainerRecord, name: 'host' | 'none'): Promise<void> {
  const asked = record.NetworkSettings.Networks[name];
  if (!asked || !deps.predefinedNetworkId) return;
  record.NetworkSettings.Networks[name] = { ...asked, NetworkID: await deps.predefinedNetworkId(name), EndpointID: randomBytes(32).toString('hex') };
}

async function useEtcFiles(ctx: StartContext, files: { hosts: string; hostname: string; resolvConf: string }): Promise<void> {
  ctx.record.HostsPath = files.hosts;
  ctx.record.HostnamePath = files.hostname;
  ctx.record.ResolvConfPath = files.resolvConf;
  ctx.specOpts.push(withHostsFiles(files, ctx.record.HostConfig.ReadonlyRootfs));
}

function ipv4Asked(ipam: unknown): string | undefined {
  const v = (ipam as { IPv4Address?: unknown } | null)?.IPv4Address;
  return typeof v === 'string' && v ? v : undefined;
}

export type { PortBindingRequest };

/**
 * The ids of the host and none networks, asked once each: they cannot be removed, and inspecting one
 * (its endpoints, its IPAM) on every start of a host or none container would be work on the start's path.
 */
export function predefinedNetworkIds(manager: { inspect(name: string): Promise<{ Id: string }> }): (name: string) => Promise<string> {
  const ids = new Map<string, Promise<string>>();
  return (name) => {
    let id = ids.get(name);
    if (!id) {
      id = manager.inspect(name).then((n) => n.Id);
      // A failed look is asked again next time.
      id.catch(() => ids.delete(name));
      ids.set(name, id);
    }
    return id;
  };
}
