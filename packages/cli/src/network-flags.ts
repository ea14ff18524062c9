// docker run/create's networking flags → the Config, HostConfig and
// NetworkingConfig fields docker's CLI sends (cli/command/container/opts.go,
// 20.10), with its checks and its words.
import { parsePublishAndExpose } from '@ce/protocol/port-specs';
import { Option, type Command } from 'commander';
import { withPeriod } from './errors.js';
import { parseIp } from './ip-address.js';
import { collect } from './output.js';

export interface NetworkFlags {
  network: string[];
  networkAlias: string[];
  ip?: string;
  macAddress?: string;
  publish: string[];
  publishAll?: boolean;
  expose: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  addHost: string[];
  domainname?: string;
  link: string[];
}

/** Docker's EndpointSettings, as far as the CLI fills it. */
export interface EndpointSettings {
  Aliases?: string[];
  Links?: string[];
  IPAMConfig?: { IPv4Address?: string };
  DriverOpts?: Record<string, string>;
}

export interface NetworkRequest {
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  /** Undefined when no network needs settings of its own. */
  networkingConfig?: { EndpointsConfig: Record<string, EndpointSettings> };
}

/** A flag value docker's flag parsing refuses: `invalid argument "x" for "--flag" flag: why`. */
export class NetworkFlagError extends Error {}

function flagError(value: string, flag: string, why: string): NetworkFlagError {
  return new NetworkFlagError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

/** Go's %q of a plain string. */
const quoted = (s: string) => JSON.stringify(s);

/** Adds an option that also fills another's list: docker's --net and --network share one value, in the order given. */
function addSharedListOption(cmd: Command, flags: string, target: string): void {
  const option = new Option(flags).hideHelp();
  cmd.addOption(option);
  cmd.on(`option:${option.name()}`, (value: string) => cmd.setOptionValue(target, [...((cmd.getOptionValue(target) as string[] | undefined) ?? []), value]));
}

export function addNetworkFlags(cmd: Command): Command {
  cmd
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect, [])
    .option('--dns <list>', 'Set custom DNS servers', collect, [])
    .option('--dns-option <list>', 'Set DNS options', collect, [])
    .option('--dns-search <list>', 'Set custom DNS search domains', collect, [])
    .option('--domainname <string>', 'Container NIS domain name')
    .option('--expose <list>', 'Expose a port or a range of ports', collect, [])
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--link <list>', 'Add link to another container', collect, [])
    .option('--mac-address <string>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)')
    .option('--network <network>', 'Connect a container to a network', collect, [])
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect, [])
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect, [])
    .option('-P, --publish-all', 'Publish all exposed ports to random ports');
  addSharedListOption(cmd, '--net <network>', 'network');
  addSharedListOption(cmd, '--dns-opt <list>', 'dnsOption');
  return cmd;
}

/** runconfig's ParseLink: "name" or "name:alias". */
export function validateLink(value: string, flag: string): void {
  if (value === '') throw flagError(value, flag, 'empty string specified for links');
  if (value.split(':').length > 2) throw flagError(value, flag, `bad format for links: ${value}`);
}

/** opts.ValidateIPAddress: the address in Go's form, or the flag's error. */
function validateDns(value: string): string {
  const ip = parseIp(value.trim());
  if (!ip) throw flagError(value, '--dns', `${value} is not an ip address`);
  return value.trim();
}

/** opts.ValidateExtraHost: "host:ip", ip may be host-gateway. */
function validateExtraHost(value: string): string {
  const colon = value.indexOf(':');
  if (colon <= 0) throw flagError(value, '--add-host', `bad format for add-host: ${quoted(value)}`);
  const address = value.slice(colon + 1);
  if (address !== 'host-gateway' && !parseIp(address.trim())) throw flagError(value, '--add-host', `invalid IP address in add-host: ${quoted(address)}`);
  return value;
}

/** net.ParseMAC: 6, 8 or 20 bytes as xx:xx…, xx-xx… or xxxx.xxxx…. */
function isMacAddress(value: string): boolean {
  const groups = (sep: string, width: number) => value.split(sep).every((g) => new RegExp(`^[0-9a-fA-F]{${width}}$`).test(g));
  const count = (sep: string) => value.split(sep).length;
  if (value.includes(':') || value.includes('-')) {
    const sep = value.includes(':') ? ':' : '-';
    return [6, 8, 20].includes(count(sep)) && groups(sep, 2);
  }
  return [3, 4, 10].includes(count('.')) && groups('.', 4);
}

interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts?: Record<string, string>;
  links: string[];
  ipv4Address: string;
}

/** opts.NetworkOpt: a name, or "name=…,alias=…,driver-opt=k=v" (keys and values lower-cased, as docker does). */
function parseNetworkOpt(value: string): NetworkAttachment {
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return { target: value, aliases: [], links: [], ipv4Address: '' };
  const attachment: NetworkAttachment = { target: '', aliases: [], links: [], ipv4Address: '' };
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) throw flagError(value, '--network', `invalid field ${field}`);
    const key = field.slice(0, eq).trim().toLowerCase();
    const val = field.slice(eq + 1).trim().toLowerCase();
    if (key === 'name') attachment.target = val;
    else if (key === 'alias') attachment.aliases.push(val);
    else if (key === 'driver-opt') {
      const parts = val.split('=');
      if (parts.length !== 2) throw flagError(value, '--network', 'invalid key value pair format in driver options');
      (attachment.driverOpts ??= {})[parts[0]!.trim()] = parts[1]!.trim();
    } else throw flagError(value, '--network', `invalid field key ${key}`);
  }
  if (!attachment.target) throw flagError(value, '--network', 'network name not specified');
  return attachment;
}

/** container.NetworkMode.IsUserDefined. */
function isUserDefined(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** parseNetworkOpts: the endpoint settings per network; the first network takes --network-alias, --link and --ip. */
function endpointsConfig(flags: NetworkFlags, attachments: NetworkAttachment[]): Record<string, EndpointSettings> {
  const endpoints: Record<string, EndpointSettings> = {};
  let userDefined = false;
  let notUserDefined = false;
  for (const [i, n] of attachments.entries()) {
    if (isUserDefined(n.target)) userDefined = true;
    else notUserDefined = true;
    if (i === 0) {
      if (n.aliases.length && flags.networkAlias.length) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
      if (flags.networkAlias.length) n.aliases = [...flags.networkAlias];
      if (flags.link.length) n.links = [...flags.link];
      if (flags.ip) n.ipv4Address = flags.ip;
    }
    if (n.target.trim() === '') throw new Error('no name set for network');
    if (!isUserDefined(n.target)) {
      if (n.aliases.length) throw new Error('network-scoped aliases are only supported for user-defined networks');
      if (n.links.length) throw new Error('links are only supported for user-defined networks');
    }
    if (n.target in endpoints) throw new Error(`network ${quoted(n.target)} is specified multiple times`);
    const ep: EndpointSettings = {};
    if (n.aliases.length) ep.Aliases = n.aliases;
    if (n.driverOpts) ep.DriverOpts = n.driverOpts;
    if (n.links.length) ep.Links = n.links;
    if (n.ipv4Address) ep.IPAMConfig = { IPv4Address: n.ipv4Address };
    // As docker: one network without settings of its own sends no endpoint (ced makes it).
    if (i === 0 && attachments.length === 1 && Object.keys(ep).length === 0) continue;
    endpoints[n.target] = ep;
  }
  if (userDefined && notUserDefined) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return endpoints;
}

/**
 * The request fields the flags ask for. Throws NetworkFlagError (a flag
 * docker's flag parsing refuses) or Error (a check docker makes after,
 * ending with a period as docker run words it).
 * Without --network no NetworkMode is sent and ced applies its default.
 */
export function networkRequest(flags: NetworkFlags): NetworkRequest {
  try {
    return buildNetworkRequest(flags);
  } catch (err) {
    if (err instanceof NetworkFlagError) throw err;
    throw new Error(withPeriod((err as Error).message));
  }
}

function buildNetworkRequest(flags: NetworkFlags): NetworkRequest {
  const attachments = flags.network.map(parseNetworkOpt);
  const dns = flags.dns.map(validateDns);
  const extraHosts = flags.addHost.map(validateExtraHost);
  for (const link of flags.link) validateLink(link, '--link');
  if (flags.macAddress && !isMacAddress(flags.macAddress)) throw new Error(`${flags.macAddress} is not a valid mac address`);
  const ports = parsePublishAndExpose(flags.publish, flags.expose);
  const config: Record<string, unknown> = {};
  const hostConfig: Record<string, unknown> = {};
  if (flags.domainname) config.Domainname = flags.domainname;
  if (flags.macAddress) config.MacAddress = flags.macAddress;
  if (Object.keys(ports.exposedPorts).length) config.ExposedPorts = ports.exposedPorts;
  const endpoints = endpointsConfig(flags, attachments);
  if (attachments.length) hostConfig.NetworkMode = attachments[0]!.target;
  if (flags.link.length) hostConfig.Links = [...flags.link];
  if (dns.length) hostConfig.Dns = dns;
  if (flags.dnsSearch.length) hostConfig.DnsSearch = [...flags.dnsSearch];
  if (flags.dnsOption.length) hostConfig.DnsOptions = [...flags.dnsOption];
  if (extraHosts.length) hostConfig.ExtraHosts = extraHosts;
  if (Object.keys(ports.portBindings).length) hostConfig.PortBindings = ports.portBindings;
  if (flags.publishAll) hostConfig.PublishAllPorts = true;
  return { config, hostConfig, ...(Object.keys(endpoints).length ? { networkingConfig: { EndpointsConfig: endpoints } } : {}) };
}
