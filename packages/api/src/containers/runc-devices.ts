import type { LinuxDeviceCgroup as DeviceRule } from '@ce/runtime/spec';

const isWildcardAllow = (r: DeviceRule, type: string | undefined) => r.allow && r.major === undefined && r.minor === undefined && (r.type === undefined || r.type === 'a' || r.type === type);
const allowsDevice = (r: DeviceRule, d: DeviceRule) => r.allow && r.type === d.type && r.major === d.major && r.minor === d.minor;

/**
 * Device rules as runc's cgroup v1 controller takes them. It refuses a deny
 * for one device after a wildcard allow of its type ("cannot punch hole in
 * existing wildcard rule"), as in Docker's default list: allow mknod of every
 * char device, then deny /dev/fuse. Behind the leading deny-all, such a deny
 * only takes back what the wildcard gave (mknod), so it is dropped, unless an
 * earlier rule allows that very device.
 */
export function runcV1DeviceRules(rules: readonly DeviceRule[]): DeviceRule[] {
  return rules.filter((rule, i) => {
    if (rule.allow || rule.major === undefined) return true;
    const before = rules.slice(0, i);
    return !before.some((r) => isWildcardAllow(r, rule.type)) || before.some((r) => allowsDevice(r, rule));
  });
}
