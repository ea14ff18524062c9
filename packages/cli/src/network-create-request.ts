// `ce network create`'s flags → ce.network.v1's create request, with the
// checks docker's CLI makes before it sends anything (consolidateIpam of
// cli/command/network/create.go, 20.10) and its words.
import type { CreateNetworkRequest, IpamConfig } from '@ce/protocol/gen/ce/network/v1/network';
import { networkContains, parseCidr, parseIp } from './ip-address.js';
import { parseLabels } from './output.js';

export interface NetworkCreateFlags {
  driver: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  auxAddress: string[];
  ipamDriver: string;
  ipamOpt: string[];
  opt: string[];
  label: string[];
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
}

/** pflag's `strings`: each value may hold several, comma-separated. */
export function splitCommas(values: readonly string[]): string[] {
  return values.flatMap((v) => (v === '' ? [] : v.split(',')));
}

/** Docker's MapOpts: "key=value", a bare "key" maps to "". */
export function keyValueMap(values: readonly string[]): Record<string, string> {
  return parseLabels([...values]);
}

/** subnetMatches: does `subnet` hold the address (or CIDR's address) `data`? */
function subnetMatches(subnet: string, data: string): boolean {
  let net;
  try {
    net = parseCidr(subnet);
  } catch (err) {
    throw new Error(`invalid subnet: ${(err as Error).message}`);
  }
  const ip = data.includes('/') ? parseCidr(data).ip : parseIp(data);
  return networkContains(net, ip);
}

/** The IPAM pools the flags describe, one per subnet in the order given; Error with docker's words. */
export function consolidateIpam(subnets: string[], ranges: string[], gateways: string[], auxAddresses: Record<string, string>): IpamConfig[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const pools = new Map<string, IpamConfig>();
  for (const s of subnets) {
    for (const k of pools.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    pools.set(s, { subnet: s, ipRange: '', gateway: '', auxiliaryAddresses: {} });
  }
  const assign = (values: string[], field: 'ipRange' | 'gateway', what: string, plural: string, preposition: string) => {
    for (const v of values) {
      let match = false;
      for (const s of subnets) {
        if (!subnetMatches(s, v)) continue;
        const pool = pools.get(s)!;
        if (pool[field]) throw new Error(`cannot configure multiple ${plural} (${v}, ${pool[field]}) ${preposition} (${s})`);
        pool[field] = v;
        match = true;
      }
      if (!match) throw new Error(`no matching subnet for ${what} ${v}`);
    }
  };
  assign(ranges, 'ipRange', 'range', 'ranges', 'on the same subnet');
  assign(gateways, 'gateway', 'gateway', 'gateways', 'for the same subnet');
  for (const [key, address] of Object.entries(auxAddresses)) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, address)) continue;
      pools.get(s)!.auxiliaryAddresses[key] = address;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${address}`);
  }
  return [...pools.values()];
}

export function networkCreateRequest(name: string, flags: NetworkCreateFlags): CreateNetworkRequest {
  return {
    name,
    driver: flags.driver,
    internal: !!flags.internal,
    attachable: !!flags.attachable,
    enableIpv6: !!flags.ipv6,
    ipamDriver: flags.ipamDriver,
    ipamConfig: consolidateIpam(splitCommas(flags.subnet), splitCommas(flags.ipRange), splitCommas(flags.gateway), keyValueMap(flags.auxAddress)),
    ipamOptions: keyValueMap(flags.ipamOpt),
    options: keyValueMap(flags.opt),
    labels: parseLabels(flags.label),
  };
}
