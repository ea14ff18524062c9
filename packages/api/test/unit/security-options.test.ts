import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, defaultContainerSeccomp, defaultSeccompProfile, defaultSpec } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import { parseSecurityOpts, withSecurityOptions, type SecurityConfig, type SecurityDefaults } from '../../src/containers/security-options.js';
import { hostSecurityModules, loadSecurityDefaults, ownBoundingSet } from '../../src/containers/security-defaults.js';

const defaults: SecurityDefaults = {
  seccompProfile: defaultSeccompProfile(),
  boundingSet: ALL_CAPABILITIES,
  hostDevices: () => [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }],
  arch: 'amd64',
  kernel: '6.1.0',
};
const config = (c: Partial<SecurityConfig>): SecurityConfig => ({ privileged: false, capAdd: [], capDrop: [], securityOpt: [], ...c });
const names = (spec: ReturnType<typeof defaultSpec>) => new Set(spec.linux!.seccomp!.syscalls!.flatMap((s) => s.names));

describe('withSecurityOptions', () => {
  it('gives a container without options Docker\'s capabilities and default profile', () => {
    const spec = withSecurityOptions(defaultSpec(), undefined, defaults);
    expect(spec.process!.capabilities!.bounding).toEqual(DEFAULT_CAPABILITIES);
    expect(spec.linux!.seccomp!.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(spec.linux!.seccomp!.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(names(spec).has('mount')).toBe(false);
    expect(spec.process!.noNewPrivileges).toBe(false);
  });

  it("gives a default container on this machine the filter a spare shim compiles ahead of need (byte for byte, after the bundle's JSON)", () => {
    const spec = withSecurityOptions(defaultSpec(), undefined, loadSecurityDefaults());
    expect(JSON.stringify(JSON.parse(JSON.stringify(spec.linux!.seccomp)))).toBe(JSON.stringify(defaultContainerSeccomp()));
  });

  it('resolves the profile against the capabilities after --cap-add', () => {
    const spec = withSecurityOptions(defaultSpec(), config({ capAdd: ['sys_admin'] }), defaults);
    expect(spec.process!.capabilities!.effective).toContain('CAP_SYS_ADMIN');
    expect(names(spec).has('mount')).toBe(true);
  });

  it('drops the filter for seccomp=unconfined and for a daemon without a profile', () => {
    expect(withSecurityOptions(defaultSpec(), config({ securityOpt: ['seccomp=unconfined'] }), defaults).linux!.seccomp).toBeUndefined();
    expect(withSecurityOptions(defaultSpec(), undefined, { ...defaults, seccompProfile: 'unconfined' }).linux!.seccomp).toBeUndefined();
  });

  it('uses a profile given as JSON and sets no-new-privileges', () => {
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
    const spec = withSecurityOptions(defaultSpec(), config({ securityOpt: [`seccomp=${profile}`, 'no-new-privileges'] }), defaults);
    expect(spec.linux!.seccomp).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
    expect(spec.process!.noNewPrivileges).toBe(true);
  });

  it('--privileged: every capability of the bounding set, no filter, no masked or read-only paths, host devices, writable /sys', () => {
    const spec = withSecurityOptions(defaultSpec(), config({ privileged: true, securityOpt: ['seccomp=unconfined'] }), { ...defaults, boundingSet: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] });
    expect(spec.process!.capabilities!.permitted).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    expect(spec.linux!.seccomp).toBeUndefined();
    expect(spec.linux!.maskedPaths).toEqual([]);
    expect(spec.linux!.readonlyPaths).toEqual([]);
    expect(spec.linux!.devices).toEqual([expect.objectContaining({ path: '/dev/kmsg', major: 1, minor: 11 })]);
    expect(spec.linux!.resources!.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(spec.mounts!.filter((m) => m.destination.startsWith('/sys')).flatMap((m) => m.options)).not.toContain('ro');
  });

  it('refuses unknown capabilities naming the list they came from', () => {
    expect(() => withSecurityOptions(defaultSpec(), config({ capDrop: ['CAP_FLY'] }), defaults)).toThrow('invalid CapDrop: unknown capability: "CAP_FLY"');
  });
});

describe('parseSecurityOpts', () => {
  it('reads Docker\'s forms, including the legacy ":" separator', () => {
    expect(parseSecurityOpts(['no-new-privileges:true'])).toEqual({ noNewPrivileges: true });
    expect(parseSecurityOpts(['no-new-privileges=false'])).toEqual({ noNewPrivileges: false });
    expect(parseSecurityOpts(['seccomp:unconfined', 'apparmor=unconfined', 'label=disable'])).toEqual({ seccomp: 'unconfined' });
  });

  it('names the bad option', () => {
    expect(() => parseSecurityOpts(['seccomp'])).toThrow('invalid --security-opt "seccomp"');
    expect(() => parseSecurityOpts(['no-new-privileges=maybe'])).toThrow('no-new-privileges takes true or false');
    expect(() => parseSecurityOpts(['seccomp={"defaultAction":1}'])).toThrow('invalid --security-opt seccomp: seccomp profile: defaultAction: unknown action 1');
  });
});

describe('SELinux labels and AppArmor profiles', () => {
  const labels = ['label=type:svirt_lxc_net_t', 'label:level:s0:c100,c200', 'label=user:USER', 'label=nested'];
  const profiles = ['apparmor=docker-default', 'apparmor:my-profile'];

  it('are taken and not applied on a host that enforces neither, as dockerd does there', () => {
    expect(parseSecurityOpts([...labels, ...profiles, 'no-new-privileges'])).toEqual({ noNewPrivileges: true });
    const spec = withSecurityOptions(defaultSpec(), config({ securityOpt: [...labels, ...profiles] }), defaults);
    expect(spec.process!.selinuxLabel).toBeUndefined();
    expect(spec.process!.apparmorProfile).toBeUndefined();
    expect(spec.linux!.mountLabel).toBeUndefined();
  });

  it('are refused, naming the option, on a host that enforces the module: ce cannot apply them', () => {
    const selinux = { selinux: true, apparmor: false };
    const apparmor = { selinux: false, apparmor: true };
    expect(() => parseSecurityOpts(['label=type:svirt_lxc_net_t'], selinux)).toThrow(
      'invalid --security-opt "label=type:svirt_lxc_net_t": this host enforces SELinux and ce\'s runtime applies no SELinux labels',
    );
    expect(() => parseSecurityOpts(['apparmor=docker-default'], apparmor)).toThrow(
      'invalid --security-opt "apparmor=docker-default": this host enforces AppArmor and ce\'s runtime applies no AppArmor profiles',
    );
    expect(() => withSecurityOptions(defaultSpec(), config({ securityOpt: ['apparmor:x'] }), { ...defaults, lsm: apparmor })).toThrow('this host enforces AppArmor');
    // Turning the module off asks for nothing ce lacks; the other module's options are not its business.
    expect(parseSecurityOpts(['label=disable', 'apparmor=docker-default'], selinux)).toEqual({});
    expect(parseSecurityOpts(['apparmor=unconfined', ...labels], apparmor)).toEqual({});
  });

  it('are read from the host: selinuxfs mounted, the AppArmor module enabled', () => {
    const sys = mkdtempSync(join(tmpdir(), 'ce-lsm-'));
    try {
      expect(hostSecurityModules(sys)).toEqual({ selinux: false, apparmor: false });
      mkdirSync(join(sys, 'fs/selinux'), { recursive: true });
      writeFileSync(join(sys, 'fs/selinux/enforce'), '0');
      mkdirSync(join(sys, 'module/apparmor/parameters'), { recursive: true });
      writeFileSync(join(sys, 'module/apparmor/parameters/enabled'), 'N\n');
      expect(hostSecurityModules(sys)).toEqual({ selinux: true, apparmor: false });
      writeFileSync(join(sys, 'module/apparmor/parameters/enabled'), 'Y\n');
      expect(hostSecurityModules(sys)).toEqual({ selinux: true, apparmor: true });
    } finally {
      rmSync(sys, { recursive: true, force: true });
    }
  });
});

describe('ownBoundingSet', () => {
  it('reads CapBnd', () => {
    expect(ownBoundingSet('Name:\tced\nCapBnd:\t0000000000002001\n')).toEqual(['CAP_CHOWN', 'CAP_NET_RAW']);
  });
});
