import { loadNetworkConfigs } from '@ce/network/cni';

export interface NetworkReadiness {
  ready: boolean;
  /** Why not ready, in containerd's words; empty when ready. */
  reason: string;
  message: string;
  /** The configuration loaded, for Status's verbose info. */
  networks: Array<{ name: string; file: string; cniVersion: string; plugins: string[] }>;
}

/**
 * The node's pod network is ready when the CNI configuration folder holds a
 * valid network, as containerd's CRI plugin decides NetworkReady.
 */
export async function cniNetworkReadiness(confDir: string): Promise<NetworkReadiness> {
  let loaded;
  try {
    loaded = await loadNetworkConfigs(confDir);
  } catch (err) {
    return { ready: false, reason: 'NetworkPluginNotReady', message: `Network plugin returns error: cannot read ${confDir}: ${(err as Error).message}`, networks: [] };
  }
  const { networks, invalid } = loaded;
  const found = networks.map((n) => ({ name: n.name, file: n.source, cniVersion: n.cniVersion, plugins: n.plugins.map((p) => p.type) }));
  if (found.length) return { ready: true, reason: '', message: '', networks: found };
  const problems = invalid.map((f) => `${f.file}: ${f.error.message}`).join('; ');
  return {
    ready: false,
    reason: 'NetworkPluginNotReady',
    message: `Network plugin returns error: cni plugin not initialized: no valid network configuration in ${confDir}${problems ? ` (${problems})` : ''}`,
    networks: [],
  };
}
