// What `ce network create -d cni --opt cni.config=<name|path>` reads: the
// configuration list the option names (a network name in the CNI config
// dir, or the absolute path of a file), and what inspect shows of its IPAM.
import { extname, isAbsolute } from 'node:path';
import { invalidArgument } from '@ce/protocol/errors';
import { loadConfigFile, loadNetworkConfig } from '../cni/config-dir.js';
import type { NetworkConfigList } from '../cni/config.js';
import { formatCidr, parseCidrLoose } from '../ipam/ipv4.js';
import type { IpamConfig } from '../types.js';

/** The driver option naming the configuration list. */
export const CNI_CONFIG_OPTION = 'cni.config';
const CONFIG_EXTENSIONS = ['.conflist', '.conf', '.json'];

/** The configuration list the network's options name; InvalidArgument or NotFound naming the option, the file and the field. */
export async function loadCniNetworkConfig(options: Readonly<Record<string, string>>, confDir: string): Promise<NetworkConfigList> {
  for (const key of Object.keys(options)) {
    if (key !== CNI_CONFIG_OPTION) {
      throw invalidArgument(`option ${key} does not apply to a CNI network: it takes ${CNI_CONFIG_OPTION}=<name or path of a configuration list> only`);
    }
  }
  const ref = options[CNI_CONFIG_OPTION]?.trim();
  if (!ref) throw invalidArgument(`a CNI network needs --opt ${CNI_CONFIG_OPTION}=<name or path of a configuration list> (names are looked up in ${confDir})`);
  if (!ref.includes('/')) return loadNetworkConfig(ref, confDir);
  if (!isAbsolute(ref)) throw invalidArgument(`${CNI_CONFIG_OPTION}: ${ref}: a path must be absolute (or give a network name from ${confDir})`);
  if (!CONFIG_EXTENSIONS.includes(extname(ref))) {
    throw invalidArgument(`${CNI_CONFIG_OPTION}: ${ref}: a CNI configuration file ends in ${CONFIG_EXTENSIONS.join(', ')}`);
  }
  return loadConfigFile(ref);
}

/** The device the list's bridge plugin attaches containers to (its default is cni0), so no two networks share a bridge. */
export function cniBridgeOf(list: NetworkConfigList): string | undefined {
  const plugin = list.plugins.find((p) => p.type === 'bridge');
  if (!plugin) return undefined;
  return typeof plugin.raw['bridge'] === 'string' && plugin.raw['bridge'] ? plugin.raw['bridge'] : 'cni0';
}

/**
 * The IPv4 subnets the list's IPAM hands out, as inspect shows them: host-local's
 * `subnet` or `ranges`, static's `addresses`. Empty when the IPAM does not say
 * (dhcp, or ranges given at run time).
 */
export function cniIpamConfig(list: NetworkConfigList): { driver: string; config: IpamConfig[] } {
  for (const plugin of list.plugins) {
    const ipam = plugin.raw['ipam'];
    if (!isObject(ipam)) continue;
    const driver = typeof ipam['type'] === 'string' ? ipam['type'] : '';
    const ranges: unknown[] = [];
    if (typeof ipam['subnet'] === 'string') ranges.push(ipam);
    if (Array.isArray(ipam['ranges'])) for (const set of ipam['ranges']) if (Array.isArray(set)) ranges.push(...set);
    const config = ranges.flatMap((r) => ipamConfigOf(r));
    if (Array.isArray(ipam['addresses'])) {
      for (const a of ipam['addresses']) {
        const cidr = isObject(a) && typeof a['address'] === 'string' ? subnetOf(a['address']) : undefined;
        if (cidr) config.push({ Subnet: cidr, ...(typeof a['gateway'] === 'string' ? { Gateway: a['gateway'] } : {}) });
      }
    }
    return { driver, config };
  }
  return { driver: '', config: [] };
}

function ipamConfigOf(range: unknown): IpamConfig[] {
  if (!isObject(range) || typeof range['subnet'] !== 'string') return [];
  const subnet = subnetOf(range['subnet']);
  if (!subnet) return [];
  return [{ Subnet: subnet, ...(typeof range['gateway'] === 'string' ? { Gateway: range['gateway'] } : {}) }];
}

/** The IPv4 network of a CIDR (a host address gives its subnet), or undefined for IPv6 and anything unreadable. */
function subnetOf(cidr: string): string | undefined {
  try {
    return formatCidr(parseCidrLoose(cidr, 'subnet'));
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
