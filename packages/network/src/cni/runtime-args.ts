// What a runtime passes per call besides the configuration: the container,
// its namespace and interface (checked as libcni's utils.Validate* do),
// CNI_ARGS, and the capability arguments that become runtimeConfig.
import { invalidArgument } from '@ce/protocol/errors';
import { CNI_NAME_PATTERN } from './config.js';

/** A port to publish (the portMappings capability, e.g. of portmap). */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** One range of addresses (the ipRanges capability, e.g. of host-local). */
export interface CniIpRange {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/**
 * Capability arguments (CONVENTIONS.md): each reaches a plugin as
 * runtimeConfig.<name> only when the plugin declares `capabilities.<name>: true`.
 */
export interface CniCapabilityArgs {
  portMappings?: CniPortMapping[];
  /** A list of range sets, one set per address family or pool. */
  ipRanges?: CniIpRange[][];
  bandwidth?: { ingressRate?: number; ingressBurst?: number; egressRate?: number; egressBurst?: number };
  dns?: { servers?: string[]; searches?: string[]; options?: string[] };
  ips?: string[];
  mac?: string;
  [capability: string]: unknown;
}

export interface CniCallOptions {
  /** CNI_ARGS, e.g. { K8S_POD_NAMESPACE: 'default', IgnoreUnknown: '1' }. DEL and CHECK default to the ADD's. */
  args?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /** DEL and CHECK default to the ADD's. */
  capabilities?: CniCapabilityArgs;
  signal?: AbortSignal;
}

const IFNAMSIZ = 16;

export function checkContainerId(containerId: string): void {
  if (!containerId) throw invalidArgument('CNI: container id is empty');
  if (!CNI_NAME_PATTERN.test(containerId)) {
    throw invalidArgument(`CNI: container id ${JSON.stringify(containerId)} must be a letter or digit, then letters, digits, '_', '.' or '-'`);
  }
}

export function checkIfName(ifName: string): void {
  if (!ifName) throw invalidArgument('CNI: interface name is empty');
  if (ifName.length > IFNAMSIZ - 1) throw invalidArgument(`CNI: interface name ${JSON.stringify(ifName)} is longer than ${IFNAMSIZ - 1} characters`);
  if (ifName === '.' || ifName === '..' || /[/:\s]/.test(ifName)) {
    throw invalidArgument(`CNI: interface name ${JSON.stringify(ifName)} may not be . or .., nor hold '/', ':' or white space`);
  }
}

/** CNI_ARGS pairs, checked: a key may not hold '=' or ';', a value not ';'. */
export function argPairs(args: CniCallOptions['args']): Array<[string, string]> {
  const pairs: Array<[string, string]> = Array.isArray(args)
    ? args.map(([k, v]) => [k, v] as [string, string])
    : Object.entries((args ?? {}) as Record<string, string>);
  for (const [k, v] of pairs) {
    if (!k || /[=;]/.test(k) || typeof v !== 'string' || v.includes(';')) {
      throw invalidArgument(`CNI_ARGS: ${JSON.stringify(`${k}=${v}`)}: a key may not be empty or hold '=' or ';', a value may not hold ';'`);
    }
  }
  return pairs;
}

/** libcni's injectRuntimeConfig: the capability arguments the plugin declared, or nothing. */
export function runtimeConfigFor(capabilities: Readonly<Record<string, boolean>>, args: CniCapabilityArgs | undefined): Record<string, unknown> | undefined {
  if (!args) return undefined;
  const rc: Record<string, unknown> = {};
  for (const [name, on] of Object.entries(capabilities)) {
    if (on && args[name] !== undefined) rc[name] = args[name];
  }
  return Object.keys(rc).length ? rc : undefined;
}
