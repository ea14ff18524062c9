// The CNI specification versions ce speaks. 0.3.0 through 1.0.0 share one
// result layout (interfaces, ips, routes, dns); 0.1.0 and 0.2.0 (ip4/ip6
// results) and 1.1.0 (GC, STATUS) are not supported. See docs/decisions/0038.

export const SUPPORTED_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;
export type CniVersion = (typeof SUPPORTED_CNI_VERSIONS)[number];

/** The newest version ce speaks: what VERSION is asked in and what results are returned as. */
export const CURRENT_CNI_VERSION: CniVersion = '1.0.0';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

export function isSupportedVersion(version: string): version is CniVersion {
  return (SUPPORTED_CNI_VERSIONS as readonly string[]).includes(version);
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` (both x.y.z). */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new TypeError(`not a CNI version: ${pa ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  return 0;
}

export function versionAtLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}
