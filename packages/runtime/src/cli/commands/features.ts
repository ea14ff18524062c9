import { parseMountOptions, PROPAGATION_NAMES } from '@ce/native';
import { CAPABILITIES } from '../../plan/constants.js';
import type { Command } from '../command.js';
import { CE_RUNC_VERSION, SPEC_VERSION } from '../version.js';
import { out } from '../output.js';

/** runc 1.1's mount option names; features lists those ce-runc's mount table knows. */
const RUNC_MOUNT_OPTIONS = [
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand', 'noacl',
  'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid',
  'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount', 'rexec', 'rnoatime', 'rnodev',
  'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate', 'rrelatime', 'rro', 'rrw',
  'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime',
  'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable',
];

/** What this build supports, in runc's `features` JSON shape (runtime-spec features.md). */
export function features(): Record<string, unknown> {
  const known = (o: string) => o !== 'tmpcopyup' && (PROPAGATION_NAMES.includes(o) || parseMountOptions([o]).data === '');
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: [],
    mountOptions: RUNC_MOUNT_OPTIONS.filter(known),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'],
      capabilities: Object.keys(CAPABILITIES),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: { 'dev.ce.runc.version': CE_RUNC_VERSION },
  };
}

export const featuresCommand: Command = {
  name: 'features',
  usage: '',
  description: 'show the enabled features',
  flags: [],
  args: { exact: 0 },
  async run() {
    out(`${JSON.stringify(features(), null, '    ')}\n`);
    return 0;
  },
};
