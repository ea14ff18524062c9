// The security part of a container's OCI spec, as docker run sets it:
// capabilities (--cap-add/--cap-drop), seccomp (ced's default profile, none,
// or the container's own), no-new-privileges, and --privileged.
import { invalidArgument } from '@ce/protocol';
import {
  applySpecOptsSync,
  DEFAULT_CAPABILITIES,
  normalizeCapability,
  parseDockerSeccompProfile,
  seccompForContainer,
  tweakCapabilities,
  withAllDevices,
  withCapabilities,
  withMaskedPaths,
  withNoNewPrivileges,
  withReadonlyPaths,
  withSeccomp,
  withWritableSysfs,
  type DockerSeccompProfile,
  type LinuxDevice,
  type Spec,
  type SpecOpt,
} from '@ce/runtime/spec';
import type { HostConfig } from './model/docker-types.js';

/** What a container asked for (Docker's HostConfig.Privileged, CapAdd, CapDrop, SecurityOpt). */
export interface SecurityConfig {
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
}

/** The security part of a container's HostConfig. */
export function securityConfigOf(hostConfig: Pick<HostConfig, 'Privileged' | 'CapAdd' | 'CapDrop' | 'SecurityOpt'>): SecurityConfig {
  return { privileged: hostConfig.Privileged, capAdd: hostConfig.CapAdd ?? [], capDrop: hostConfig.CapDrop ?? [], securityOpt: hostConfig.SecurityOpt ?? [] };
}

/** What ced brings: its default profile, its own capabilities, the host's devices. */
export interface SecurityDefaults {
  /** The profile of containers that name none; 'unconfined' when ced runs without one. */
  seccompProfile: DockerSeccompProfile | 'unconfined';
  /** ced's bounding set: what --privileged and --cap-add ALL give. */
  boundingSet: readonly string[];
  /** The host's devices, for --privileged. */
  hostDevices(): LinuxDevice[];
  /** Go architecture name and kernel release for profile includes/excludes; default: this machine's. */
  arch?: string;
  kernel?: string;
  /** The Linux security modules the host enforces (default: neither). */
  lsm?: HostSecurityModules;
}

/** Whether the host enforces SELinux and AppArmor (ce's runtime applies neither's labels or profiles). */
export interface HostSecurityModules {
  selinux: boolean;
  apparmor: boolean;
}

const NO_SECURITY_MODULES: HostSecurityModules = { selinux: false, apparmor: false };

export interface ParsedSecurityOpts {
  /** Unset: ced's default profile. */
  seccomp?: DockerSeccompProfile | 'unconfined';
  /** Unset: the spec's default. */
  noNewPrivileges?: boolean;
}

const USAGE = 'expected seccomp=unconfined, seccomp=<profile JSON>, no-new-privileges[=true|false], apparmor=unconfined or label=disable';

/**
 * Parses --security-opt values as dockerd does ("=" or the legacy ":" separator). Throws InvalidArgument naming the option.
 * SELinux labels and AppArmor profiles are taken and not applied on a host that enforces neither, as dockerd
 * does there; on a host that enforces one, a label or profile that confines is refused: ce cannot apply it.
 */
export function parseSecurityOpts(opts: readonly string[], lsm: HostSecurityModules = NO_SECURITY_MODULES): ParsedSecurityOpts {
  const parsed: ParsedSecurityOpts = {};
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      parsed.noNewPrivileges = true;
      continue;
    }
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: ${USAGE}`);
    const key = opt.slice(0, opt.indexOf(sep));
    const value = opt.slice(opt.indexOf(sep) + 1);
    switch (key) {
      case 'seccomp':
        if (value === 'unconfined') parsed.seccomp = 'unconfined';
        else {
          try {
            parsed.seccomp = parseDockerSeccompProfile(value, 'seccomp profile');
          } catch (err) {
            throw invalidArgument(`invalid --security-opt seccomp: ${(err as Error).message}`);
          }
        }
        break;
      case 'no-new-privileges':
        if (!['true', 'false', '1', '0'].includes(value)) throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: no-new-privileges takes true or false`);
        parsed.noNewPrivileges = value === 'true' || value === '1';
        break;
      case 'apparmor':
        if (value !== 'unconfined' && lsm.apparmor) {
          throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: this host enforces AppArmor and ce's runtime applies no AppArmor profiles`);
        }
        break;
      case 'label':
        if (value !== 'disable' && lsm.selinux) {
          throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: this host enforces SELinux and ce's runtime applies no SELinux labels`);
        }
        break;
      default:
        throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: ${USAGE}`);
    }
  }
  return parsed;
}

/**
 * A container's security settings as spec options, in order: capabilities,
 * no-new-privileges when asked for, what --privileged lifts, then seccomp
 * (resolved against the final capabilities). Throws InvalidArgument for an
 * unknown capability or a bad option, before any option runs.
 */
export function securitySpecOpts(config: SecurityConfig | undefined, defaults: SecurityDefaults): SpecOpt[] {
  const c = config ?? { privileged: false, capAdd: [], capDrop: [], securityOpt: [] };
  const opts = parseSecurityOpts(c.securityOpt, defaults.lsm);
  for (const [field, list] of [['CapAdd', c.capAdd], ['CapDrop', c.capDrop]] as const) {
    for (const name of list) {
      try {
        normalizeCapability(name);
      } catch (err) {
        throw invalidArgument(`invalid ${field}: ${(err as Error).message}`);
      }
    }
  }
  const caps = tweakCapabilities(DEFAULT_CAPABILITIES, defaults.boundingSet, { add: c.capAdd, drop: c.capDrop, privileged: c.privileged });
  const result: SpecOpt[] = [withCapabilities(caps)];
  if (opts.noNewPrivileges !== undefined) result.push(withNoNewPrivileges(opts.noNewPrivileges));
  // Docker's --privileged: every device, and /sys writable; no masked or read-only paths.
  if (c.privileged) result.push(withMaskedPaths([]), withReadonlyPaths([]), withAllDevices(defaults.hostDevices()), withWritableSysfs());
  const profile = c.privileged ? 'unconfined' : (opts.seccomp ?? defaults.seccompProfile);
  result.push(withSeccomp(profile === 'unconfined' ? undefined : seccompForContainer(profile, { capabilities: caps, arch: defaults.arch, kernel: defaults.kernel })));
  return result;
}

/** securitySpecOpts applied to `spec` (in place); returns it. */
export function withSecurityOptions(spec: Spec, config: SecurityConfig | undefined, defaults: SecurityDefaults): Spec {
  return applySpecOptsSync(spec, securitySpecOpts(config, defaults));
}
