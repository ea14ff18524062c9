// ced's side of container security: the default seccomp profile (Docker's, a
// file given with --seccomp-profile, or none) and ced's own capabilities.
import { existsSync, readFileSync } from 'node:fs';
import { capabilitiesFromMask, defaultSeccompProfile, parseDockerSeccompProfile } from '@ce/runtime/spec';
import { hostDevices } from './host-devices.js';
import type { HostSecurityModules, SecurityDefaults } from './security-options.js';

/** The capabilities ced itself may hand on (its bounding set). */
export function ownBoundingSet(status = readFileSync('/proc/self/status', 'utf8')): string[] {
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!line) throw new Error('cannot read CapBnd from /proc/self/status');
  return capabilitiesFromMask(line[1]!);
}

/**
 * ced's security defaults. `seccompProfile` is ced's --seccomp-profile: unset
 * for Docker's default profile, "unconfined" for none, or a profile file
 * (read now; a bad file stops ced with an error naming it).
 */
export function loadSecurityDefaults(seccompProfile?: string): SecurityDefaults {
  let profile: SecurityDefaults['seccompProfile'];
  if (!seccompProfile || seccompProfile === 'default') profile = defaultSeccompProfile();
  else if (seccompProfile === 'unconfined') profile = 'unconfined';
  else {
    let text: string;
    try {
      text = readFileSync(seccompProfile, 'utf8');
    } catch (err) {
      throw new Error(`opening seccomp profile (${seccompProfile}) failed: ${(err as Error).message}`);
    }
    profile = parseDockerSeccompProfile(text, `seccomp profile ${seccompProfile}`);
  }
  return { seccompProfile: profile, boundingSet: ownBoundingSet(), hostDevices: () => hostDevices(), lsm: hostSecurityModules() };
}

/**
 * Whether the host enforces SELinux (selinuxfs mounted, as go-selinux decides) and AppArmor (the
 * module's `enabled` parameter, as runc reads it).
 */
export function hostSecurityModules(sys = '/sys'): HostSecurityModules {
  const apparmorEnabled = `${sys}/module/apparmor/parameters/enabled`;
  return {
    selinux: existsSync(`${sys}/fs/selinux/enforce`),
    apparmor: existsSync(apparmorEnabled) && readFileSync(apparmorEnabled, 'utf8').trim() === 'Y',
  };
}

/** How `ce info` names the profile: "default", "unconfined" or the file. */
export function seccompProfileName(seccompProfile?: string): string {
  return !seccompProfile || seccompProfile === 'default' ? 'default' : seccompProfile;
}
