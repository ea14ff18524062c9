// The security part of a container's OCI spec, as docker run sets it:
// capabilities (--cap-add/--cap-drop), seccomp (ced's default profile, none,
// or the container's own), no-new-privileges, and --privileged.
import { invalidArgument } from '@ce/protocol';
import {
  DEFAULT_CAPABILITIES,
  normalizeCapability,
  parseDockerSeccompProfile,
  seccompForContainer,
  tweakCapabilities,
  type DockerSeccompProfile,
  type LinuxDevice,
  type Spec,
} from '@ce/runtime/spec';

/** What a container asked for (Docker's HostConfig.Privileged, CapAdd, CapDrop, SecurityOpt). */
export interface SecurityConfig {
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
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
}

export interface ParsedSecurityOpts {
  /** Unset: ced's default profile. */
  seccomp?: DockerSeccompProfile | 'unconfined';
  /** Unset: the spec's default. */
  noNewPrivileges?: boolean;
}

const USAGE = 'expected seccomp=unconfined, seccomp=<profile JSON>, no-new-privileges[=true|false], apparmor=unconfined or label=disable';

/** Parses --security-opt values as dockerd does ("=" or the legacy ":" separator). Throws InvalidArgument naming the option. */
export function parseSecurityOpts(opts: readonly string[]): ParsedSecurityOpts {
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
      // ce applies neither AppArmor nor SELinux labels; turning them off asks for nothing more.
      case 'apparmor':
      case 'label':
        if (value !== (key === 'apparmor' ? 'unconfined' : 'disable')) {
          throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: ce supports no ${key === 'apparmor' ? 'AppArmor profiles' : 'SELinux labels'}`);
        }
        break;
      default:
        throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: ${USAGE}`);
    }
  }
  return parsed;
}

/** Docker's --privileged: every device, and /sys writable; no masked or read-only paths. */
function makePrivileged(spec: Spec, defaults: SecurityDefaults): void {
  spec.linux = { ...spec.linux, maskedPaths: [], readonlyPaths: [], devices: defaults.hostDevices() };
  spec.linux.resources = { ...spec.linux.resources, devices: [{ allow: true, access: 'rwm' }] };
  spec.mounts = spec.mounts?.map((m) =>
    m.destination === '/sys' || m.destination.startsWith('/sys/') ? { ...m, options: m.options?.filter((o) => o !== 'ro') } : m,
  );
}

/**
 * Applies a container's security settings to its spec (in place, and returns
 * it). Throws InvalidArgument for an unknown capability or a bad option.
 */
export function withSecurityOptions(spec: Spec, config: SecurityConfig | undefined, defaults: SecurityDefaults): Spec {
  const c = config ?? { privileged: false, capAdd: [], capDrop: [], securityOpt: [] };
  const opts = parseSecurityOpts(c.securityOpt);
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
  spec.process = {
    ...spec.process!,
    capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
    noNewPrivileges: opts.noNewPrivileges ?? spec.process?.noNewPrivileges,
  };
  if (c.privileged) makePrivileged(spec, defaults);
  const profile = c.privileged ? 'unconfined' : (opts.seccomp ?? defaults.seccompProfile);
  const linux = { ...spec.linux };
  delete linux.seccomp;
  if (profile !== 'unconfined') linux.seccomp = seccompForContainer(profile, { capabilities: caps, arch: defaults.arch, kernel: defaults.kernel });
  spec.linux = linux;
  return spec;
}
