import { invalidArgument } from '@ce/protocol/errors';

/** What HostConfig.NetworkMode asks for, as Docker reads it. */
export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  /** Another container's network namespace (--network container:<name|id>). */
  | { kind: 'container'; container: string }
  /** A network by name or id; Docker's "default" is the network named bridge. */
  | { kind: 'network'; network: string };

export const DEFAULT_NETWORK = 'bridge';

export function parseNetworkMode(mode: string): NetworkMode {
  if (mode === '' || mode === 'default') return { kind: 'network', network: DEFAULT_NETWORK };
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'host') return { kind: 'host' };
  if (mode.startsWith('container:')) {
    const container = mode.slice('container:'.length);
    if (!container) throw invalidArgument(`invalid network mode: ${mode}`);
    return { kind: 'container', container };
  }
  return { kind: 'network', network: mode };
}

/** The key of NetworkSettings.Networks a mode starts with (Docker records "default" under "bridge"). */
export function primaryNetworkName(mode: string): string {
  const parsed = parseNetworkMode(mode);
  return parsed.kind === 'network' ? parsed.network : parsed.kind === 'container' ? '' : parsed.kind;
}

const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** Docker's rule for the predefined networks: no network-scoped aliases, no fixed address. */
export function checkEndpointOnNetwork(network: string, asked: { aliases: boolean; fixedAddress: boolean }): void {
  if (!PREDEFINED.has(network)) return;
  if (asked.aliases) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  if (asked.fixedAddress) throw invalidArgument('user specified IP address is supported on user defined networks only');
}
