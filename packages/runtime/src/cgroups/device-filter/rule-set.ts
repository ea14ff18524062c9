import type { LinuxDeviceCgroup } from '../../spec/types.js';

/** struct bpf_cgroup_dev_ctx's device types (low 16 bits of access_type). */
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
/** Its access bits (high 16 bits of access_type). */
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
export const ACCESS_ALL = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

/** One exception to the default: a device type and numbers (undefined: any) with its access bits. */
export interface DeviceException {
  type: typeof BPF_DEVCG_DEV_BLOCK | typeof BPF_DEVCG_DEV_CHAR;
  major: number | undefined;
  minor: number | undefined;
  access: number;
}

/**
 * The state a v1 devices cgroup reaches: a default behaviour and exceptions to
 * it — denied devices when the default allows, allowed ones when it denies.
 */
export interface DeviceRuleSet {
  defaultAllow: boolean;
  exceptions: DeviceException[];
}

const U32_MAX = 0xffffffff;

function deviceNumber(path: string, value: number | null | undefined): number | undefined {
  if (value === undefined || value === null || value === -1) return undefined;
  if (!Number.isInteger(value) || value < -1 || value > U32_MAX) throw new Error(`${path}: must be -1 (any) or an integer from 0 to ${U32_MAX}, not ${value}`);
  return value;
}

function accessBits(path: string, access: string | undefined): number {
  let bits = 0;
  for (const ch of access || 'rwm') {
    if (ch === 'r') bits |= BPF_DEVCG_ACC_READ;
    else if (ch === 'w') bits |= BPF_DEVCG_ACC_WRITE;
    else if (ch === 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    else throw new Error(`${path}: must be made of r, w and m, not ${JSON.stringify(access)}`);
  }
  return bits;
}

const sameDevice = (a: DeviceException, b: DeviceException) => a.type === b.type && a.major === b.major && a.minor === b.minor;

/**
 * Applies OCI device rules in order with the kernel's v1 semantics, starting
 * from a cgroup that allows every device (a child of the root):
 * - type "a" (or none) switches the default to the rule's allow/deny and drops
 *   every exception, whatever its numbers and access;
 * - a rule that agrees with the default removes its access bits from the
 *   exception for exactly that type and numbers (it never punches a hole in a
 *   wildcard exception, as devices.allow/deny never does);
 * - a rule that disagrees adds its bits to that exception.
 * `path` names the rules in errors (`linux.resources.devices`).
 */
export function deviceRuleSet(rules: readonly LinuxDeviceCgroup[], path = 'linux.resources.devices'): DeviceRuleSet {
  const set: DeviceRuleSet = { defaultAllow: true, exceptions: [] };
  rules.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    if (typeof rule.allow !== 'boolean') throw new Error(`${at}.allow: must be a boolean`);
    const type = rule.type ?? 'a';
    const access = accessBits(`${at}.access`, rule.access);
    if (type === 'a') {
      set.defaultAllow = rule.allow;
      set.exceptions = [];
      return;
    }
    if (type !== 'b' && type !== 'c') throw new Error(`${at}.type: must be one of a, c, b, not ${JSON.stringify(type)}`);
    const ex: DeviceException = {
      type: type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
      major: deviceNumber(`${at}.major`, rule.major),
      minor: deviceNumber(`${at}.minor`, rule.minor),
      access,
    };
    const existing = set.exceptions.find((e) => sameDevice(e, ex));
    if (rule.allow === set.defaultAllow) {
      if (!existing) return;
      existing.access &= ~ex.access;
      if (existing.access === 0) set.exceptions = set.exceptions.filter((e) => e !== existing);
    } else if (existing) {
      existing.access |= ex.access;
    } else {
      set.exceptions.push(ex);
    }
  });
  return set;
}
