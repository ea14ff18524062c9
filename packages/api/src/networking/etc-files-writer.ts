// A container's /etc/hosts, /etc/hostname and /etc/resolv.conf, written into
// its folder with @ce/network's builders (Docker's formats), and the
// resolvers its embedded DNS server forwards to.
import {
  buildHostNetworkHostsFile,
  buildHostsFile,
  containerResolvConf,
  hostnameFile,
  linkHostsRecords,
  parseExtraHosts,
  readHostEtcHosts,
  readHostResolvConf,
  rewriteEtcFile,
  writeEtcFiles,
  type EtcFilesContent,
  type ContainerResolverSettings,
  type LinkedContainer,
} from '@ce/network';
import type { ContainerRecord } from '../containers/record.js';
import type { ContainerEtcFiles, EtcFacts } from './etc-files.js';

export interface EtcFilesWriterOptions {
  containerDir(id: string): string;
  /** What --add-host's "host-gateway" stands for: the default bridge's gateway. */
  hostGatewayIp?: string;
  /** ced's --dns, --dns-search, --dns-opt: for containers that set none. */
  daemonDns?: { dns: string[]; dnsSearch: string[]; dnsOptions: string[] };
  /** A --link's target by name or id, with its address on the default bridge. */
  linkedContainer?(ref: string): Omit<LinkedContainer, 'alias'> | undefined;
  /** The container's own upstreams and ndots, for the embedded DNS server. */
  setResolver?(containerId: string, settings: ContainerResolverSettings): void;
  removeResolver?(containerId: string): void;
  /** The host's files (tests give their own). */
  hostResolvConf?: () => Promise<string | undefined>;
  hostEtcHosts?: () => Promise<string | undefined>;
}

/** "/web:/app/db" (Docker's HostConfig.Links) → the linked container and its alias. */
export function parseLink(link: string): { target: string; alias: string } {
  const [target = '', aliasPath = ''] = link.split(':');
  const alias = aliasPath.split('/').filter(Boolean).pop() ?? target.replace(/^\//, '');
  return { target: target.replace(/^\//, ''), alias };
}

export function etcFilesWriter(o: EtcFilesWriterOptions): ContainerEtcFiles {
  const readResolvConf = o.hostResolvConf ?? (() => readHostResolvConf());
  const readEtcHosts = o.hostEtcHosts ?? (() => readHostEtcHosts());
  /** The container's resolv.conf, its resolver settings handed to the embedded DNS server. */
  const resolvConf = async (record: ContainerRecord, facts: EtcFacts) => {
    const hc = record.HostConfig;
    const userDns = hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length;
    const dns = userDns ? { dns: hc.Dns ?? [], dnsSearch: hc.DnsSearch ?? [], dnsOptions: hc.DnsOptions ?? [] } : (o.daemonDns ?? { dns: [], dnsSearch: [], dnsOptions: [] });
    const resolv = containerResolvConf({ hostResolvConf: await readResolvConf(), hostNetwork: facts.hostNetwork, embeddedDns: facts.dnsServers, ...dns });
    if (facts.dnsServers.length) o.setResolver?.(record.Id, { upstreams: resolv.upstreams, ndotsSet: resolv.ndotsSet });
    else o.removeResolver?.(record.Id);
    return resolv;
  };
  const content = async (record: ContainerRecord, facts: EtcFacts): Promise<EtcFilesContent> => {
    const hc = record.HostConfig;
    const resolv = await resolvConf(record, facts);
    const extraHosts = parseExtraHosts(hc.ExtraHosts, o.hostGatewayIp);
    let hosts: string;
    if (facts.hostNetwork) {
      hosts = buildHostNetworkHostsFile(await readEtcHosts(), extraHosts);
    } else {
      const links = (hc.Links ?? []).map(parseLink).flatMap(({ target, alias }) => {
        const linked = o.linkedContainer?.(target);
        return linked ? [{ ...linked, alias }] : [];
      });
      hosts = buildHostsFile({ hostname: record.Config.Hostname, domainname: record.Config.Domainname, addresses: facts.addresses, extraHosts: [...extraHosts, ...linkHostsRecords(links)] });
    }
    return { hosts, hostname: hostnameFile(record.Config.Hostname), resolvConf: resolv.content };
  };
  return {
    async write(record, facts) {
      return writeEtcFiles(o.containerDir(record.Id), await content(record, facts));
    },
    async rewrite(record, facts) {
      const files = await content(record, facts);
      await rewriteEtcFile(record.HostsPath, files.hosts);
      await rewriteEtcFile(record.ResolvConfPath, files.resolvConf);
    },
    forget(containerId) {
      o.removeResolver?.(containerId);
    },
    async resume(record, facts) {
      await resolvConf(record, facts);
    },
  };
}
