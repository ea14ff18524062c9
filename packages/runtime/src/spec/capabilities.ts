// Capability names and Docker's --cap-add/--cap-drop arithmetic (moby oci/caps).
import { CAPABILITIES } from './linux-constants.js';

/** Every capability, in bit order (linux/capability.h, 0 to CAP_LAST_CAP). */
export const ALL_CAPABILITIES: readonly string[] = Object.entries(CAPABILITIES)
  .sort(([, a], [, b]) => a - b)
  .map(([name]) => name);

/** The names of the bits set in a capability mask such as /proc/<pid>/status's CapBnd (hex). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((name) => (mask >> BigInt(CAPABILITIES[name]!)) & 1n);
}

/**
 * "net_raw", "NET_RAW" and "CAP_NET_RAW" all name CAP_NET_RAW; "ALL" stays
 * "ALL". Throws naming the capability when it is unknown.
 */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!(cap in CAPABILITIES)) throw new Error(`unknown capability: ${JSON.stringify(cap)}`);
  return cap;
}

export interface CapabilityChanges {
  add?: readonly string[];
  drop?: readonly string[];
  privileged?: boolean;
}

/**
 * The container's capabilities, as docker run computes them: privileged gets
 * `all`; --cap-add ALL starts from `all` minus the drops; --cap-drop ALL keeps
 * only the adds; otherwise the defaults minus the drops plus the adds.
 */
export function tweakCapabilities(defaults: readonly string[], all: readonly string[], changes: CapabilityChanges): string[] {
  const add = [...new Set((changes.add ?? []).map(normalizeCapability))];
  const drop = [...new Set((changes.drop ?? []).map(normalizeCapability))];
  if (changes.privileged) return [...all];
  let caps: string[];
  if (add.includes('ALL')) caps = all.filter((c) => !drop.includes(c));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...defaults.filter((c) => !drop.includes(c)), ...add];
  return [...new Set(caps)];
}
