// AppArmor profiles a container asks for. ce's runtime applies none (it
// warns and runs the container without one), so a profile that confines is
// refused at CreateContainer rather than dropped: on a host without AppArmor
// in containerd's words, on one with it naming what ce lacks. Unconfined, or
// no profile at all (the kubelet's default), needs nothing.
import { existsSync, readFileSync } from 'node:fs';
import { CeError } from '@ce/protocol';
import { SecurityProfile_ProfileType, type LinuxContainerSecurityContext } from '../gen/runtime/v1/api.js';

const UNCONFINED = 'unconfined';
const ENABLED_FILE = '/sys/module/apparmor/parameters/enabled';

/** Whether the kernel enforces AppArmor (what runc and containerd read). */
export function hostHasAppArmor(enabledFile = ENABLED_FILE): boolean {
  return existsSync(enabledFile) && readFileSync(enabledFile, 'utf8').trim() === 'Y';
}

/** The profile the security context asks for, or undefined for none or unconfined (the typed field before the deprecated string). */
export function requestedAppArmorProfile(security: Pick<LinuxContainerSecurityContext, 'apparmor' | 'apparmorProfile'> | undefined): string | undefined {
  const typed = security?.apparmor;
  if (typed) {
    if (typed.profileType === SecurityProfile_ProfileType.Unconfined) return undefined;
    if (typed.profileType === SecurityProfile_ProfileType.Localhost) return `localhost/${typed.localhostRef}`;
    return 'runtime/default';
  }
  const legacy = security?.apparmorProfile ?? '';
  return legacy && legacy !== UNCONFINED ? legacy : undefined;
}

/** Throws when a confining profile is asked for: ce cannot apply it. */
export function refuseAppArmorProfile(security: Pick<LinuxContainerSecurityContext, 'apparmor' | 'apparmorProfile'> | undefined, hostHas = hostHasAppArmor()): void {
  const profile = requestedAppArmorProfile(security);
  if (!profile) return;
  const why = hostHas ? `ce's runtime does not apply AppArmor profiles (asked for ${JSON.stringify(profile)})` : 'apparmor is not supported';
  throw new CeError('InvalidArgument', `failed to generate apparmor spec opts: ${why}`);
}
