// SIGHUP: what of a re-read configuration ced applies while running, and what waits for a restart.
import { isDeepStrictEqual } from 'node:util';
import type { DaemonConfig } from './config.js';

/** What a reload can change in a running ced. */
export interface ReloadTargets {
  /** Throws, changing nothing, when the default is not a known runtime. */
  setRuntimes(runtimes: Record<string, string>, defaultRuntime: string | undefined): void;
  setLogLevel(level: string): void;
  setRegistryEndpoints(insecureRegistries: string[], registryMirrors: string[]): void;
}

export interface ReloadOutcome {
  /** The settings applied, by daemon.json key, with their old and new values. */
  applied: Record<string, { from: unknown; to: unknown }>;
  /** daemon.json keys whose new value only a restart applies. */
  needsRestart: string[];
}

/** Each setting of DaemonConfig by the daemon.json key users know it by. */
const KEYS: Record<Exclude<keyof DaemonConfig, 'network'>, string> = {
  root: 'data-root',
  state: 'exec-root',
  socket: 'hosts',
  dockerHosts: 'docker-hosts',
  criSocket: 'cri-socket',
  criStreamAddress: 'cri-stream-address',
  criStreamPort: 'cri-stream-port',
  socketGroup: 'group',
  logLevel: 'log-level',
  logFile: 'log-file',
  supervisorAddress: 'supervisor-address',
  insecureRegistries: 'insecure-registries',
  registryMirrors: 'registry-mirrors',
  certsDir: 'certs-dir',
  seccompProfile: 'seccomp-profile',
  logDriver: 'log-driver',
  logOpts: 'log-opts',
  init: 'init',
  initPath: 'init-path',
  runtimes: 'runtimes',
  defaultRuntime: 'default-runtime',
  shimMode: 'shim-mode',
  defaultUlimits: 'default-ulimits',
};
const NETWORK_KEYS: Record<keyof DaemonConfig['network'], string> = {
  bridge: 'bridge',
  bip: 'bip',
  addressPools: 'default-address-pools',
  iptables: 'iptables',
  ipForward: 'ip-forward',
  chainPrefix: 'network-chain-prefix',
  mtu: 'mtu',
  dns: 'dns',
  dnsSearch: 'dns-search',
  dnsOptions: 'dns-opts',
  cniConfigDir: 'cni-config-dir',
  cniBinDirs: 'cni-bin-dirs',
};

/** dockerd reloads these without a restart (of the settings ced has; not its labels, max-concurrent-downloads, live-restore…). */
const RELOADABLE = new Set<keyof DaemonConfig>(['logLevel', 'insecureRegistries', 'registryMirrors', 'runtimes', 'defaultRuntime']);

/**
 * Applies `next`'s reloadable settings that differ from `current`, and updates
 * `current` to them; the other differences are reported, `current` keeping
 * what runs, so that each reload reports them until ced restarts.
 */
export function reloadConfig(current: DaemonConfig, next: DaemonConfig, targets: ReloadTargets): ReloadOutcome {
  const outcome: ReloadOutcome = { applied: {}, needsRestart: [] };
  const changed = (Object.keys(KEYS) as Array<keyof typeof KEYS>).filter((k) => !isDeepStrictEqual(current[k], next[k]));
  // First: the only target that can refuse, before anything else has changed.
  if (changed.includes('runtimes') || changed.includes('defaultRuntime')) targets.setRuntimes(next.runtimes ?? {}, next.defaultRuntime);
  if (changed.includes('logLevel')) targets.setLogLevel(next.logLevel);
  if (changed.includes('insecureRegistries') || changed.includes('registryMirrors')) targets.setRegistryEndpoints(next.insecureRegistries ?? [], next.registryMirrors ?? []);
  const writable = current as unknown as Record<string, unknown>;
  for (const k of changed) {
    if (!RELOADABLE.has(k)) {
      outcome.needsRestart.push(KEYS[k]);
      continue;
    }
    outcome.applied[KEYS[k]] = { from: current[k], to: next[k] };
    writable[k] = next[k];
  }
  for (const k of Object.keys(NETWORK_KEYS) as Array<keyof typeof NETWORK_KEYS>) {
    if (!isDeepStrictEqual(current.network[k], next.network[k])) outcome.needsRestart.push(NETWORK_KEYS[k]);
  }
  return outcome;
}
