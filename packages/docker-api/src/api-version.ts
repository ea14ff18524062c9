/** The Docker Engine API version ced speaks (Docker 20.10's), and the oldest it accepts (dockerd's). */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';

/** Orders dotted versions numerically: -1, 0 or 1. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** dockerd's answer to a version outside [MIN_API_VERSION, API_VERSION]; undefined when it is within. */
export function unsupportedVersionMessage(requested: string): string | undefined {
  if (compareApiVersions(requested, API_VERSION) > 0) return `client version ${requested} is too new. Maximum supported API version is ${API_VERSION}`;
  if (compareApiVersions(requested, MIN_API_VERSION) < 0) {
    return `client version ${requested} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  return undefined;
}
