// ced's network flags, read as dockerd reads them.
import type { NetworkConfig } from './config.js';

export interface NetworkFlagValues {
  bridge?: string;
  bip?: string;
  'default-address-pool'?: string[];
  iptables?: string;
  'ip-forward'?: string;
  'network-chain-prefix'?: string;
  mtu?: string;
  dns?: string[];
  'dns-search'?: string[];
  'dns-opt'?: string[];
  'cni-config-dir'?: string;
  'cni-bin-dir'?: string[];
}

function bool(flag: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`--${flag}: invalid boolean value "${value}"`);
}

/** "base=10.211.0.0/16,size=24" (dockerd's --default-address-pool). */
export function parseAddressPool(text: string): { base: string; size: number } {
  const fields = Object.fromEntries(text.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const size = Number(fields.size);
  if (!fields.base || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(fields.base)) throw new Error(`--default-address-pool: "${text}" needs base=<IPv4 CIDR>`);
  if (!Number.isInteger(size) || size < 1 || size > 32) throw new Error(`--default-address-pool: "${text}" needs size=<prefix length 1-32>`);
  return { base: fields.base, size };
}

function absolutePath(flag: string, value: string): string {
  if (!value.startsWith('/')) throw new Error(`--${flag}: "${value}" is not an absolute path`);
  return value;
}

export function networkConfigFromFlags(v: NetworkFlagValues): Partial<NetworkConfig> {
  const config: Partial<NetworkConfig> = {};
  if (v.bridge !== undefined) config.bridge = v.bridge;
  if (v.bip !== undefined) {
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(v.bip)) throw new Error(`--bip: "${v.bip}" is not an IPv4 address with a prefix length (e.g. 10.210.0.1/16)`);
    config.bip = v.bip;
  }
  if (v['default-address-pool']?.length) config.addressPools = v['default-address-pool'].map(parseAddressPool);
  const iptables = bool('iptables', v.iptables);
  if (iptables !== undefined) config.iptables = iptables;
  const ipForward = bool('ip-forward', v['ip-forward']);
  if (ipForward !== undefined) config.ipForward = ipForward;
  if (v['network-chain-prefix'] !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,11}$/.test(v['network-chain-prefix'])) throw new Error('--network-chain-prefix: up to 12 letters, digits, - or _, starting with a letter');
    config.chainPrefix = v['network-chain-prefix'];
  }
  if (v.mtu !== undefined) {
    const mtu = Number(v.mtu);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new Error(`--mtu: invalid MTU "${v.mtu}"`);
    config.mtu = mtu;
  }
  if (v.dns?.length) config.dns = v.dns;
  if (v['dns-search']?.length) config.dnsSearch = v['dns-search'];
  if (v['dns-opt']?.length) config.dnsOptions = v['dns-opt'];
  if (v['cni-config-dir'] !== undefined) config.cniConfigDir = absolutePath('cni-config-dir', v['cni-config-dir']);
  if (v['cni-bin-dir']?.length) config.cniBinDirs = v['cni-bin-dir'].map((d) => absolutePath('cni-bin-dir', d));
  return config;
}
