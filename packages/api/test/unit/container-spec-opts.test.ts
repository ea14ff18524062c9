import { buildSpecSync, withMounts, withNetnsPath } from '@ce/runtime/spec';
import { describe, expect, it } from 'vitest';
import { dockerNetworkSysctls } from '../../src/containers/network-sysctls.js';
import { buildSpec, containerSpec, containerSpecOpts } from '../../src/containers/oci-spec.js';
import type { ContainerRecord } from '../../src/containers/record.js';
import { testRecord } from '../support/record.js';
import { securitySpecOpts, withSecurityOptions, type SecurityConfig, type SecurityDefaults } from '../../src/containers/security-options.js';

const defaults: SecurityDefaults = {
  seccompProfile: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] },
  boundingSet: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN'],
  hostDevices: () => [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }],
  arch: 'amd64',
  kernel: '6.1.0',
};
const security = (c: Partial<SecurityConfig>): SecurityConfig => ({ privileged: false, capAdd: [], capDrop: [], securityOpt: [], ...c });
const record = (sec?: SecurityConfig): ContainerRecord =>
  testRecord({
    id: 'c'.repeat(64),
    name: 'web',
    args: ['sh', '-c', 'true'],
    config: { Env: ['A=1'], WorkingDir: '/srv/../app', Hostname: 'cccccccccccc', Tty: true },
    hostConfig: sec ? { Privileged: sec.privileged, CapAdd: sec.capAdd, CapDrop: sec.capDrop, SecurityOpt: sec.securityOpt } : {},
  });
const noDevices = (): never => {
  throw new Error('no devices in this test');
};
const user = { uid: 1000, gid: 1000, additionalGids: [1000], home: '/home/u' };

describe("ced's spec from composable options", () => {
  it('containerSpec is the container options followed by the security options', () => {
    for (const hostConfig of [undefined, security({ privileged: true }), security({ capAdd: ['sys_admin'], securityOpt: ['no-new-privileges'] })]) {
      const composed = containerSpec(record(hostConfig), user, defaults, noDevices);
      expect(composed).toEqual(withSecurityOptions(buildSpec(record(hostConfig), user), hostConfig, defaults));
    }
  });
  it("sets the record's process, hostname, root, name annotation and cgroup", () => {
    const spec = buildSpec(record(), user);
    expect(spec.process).toMatchObject({ terminal: true, args: ['sh', '-c', 'true'], cwd: '/app', user: { uid: 1000, gid: 1000, additionalGids: [1000] } });
    expect(spec.process!.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=cccccccccccc', 'TERM=xterm', 'A=1', 'HOME=/home/u']);
    expect(spec.hostname).toBe('cccccccccccc');
    expect(spec.root).toEqual({ path: 'rootfs', readonly: false });
    expect(spec.annotations).toEqual({ 'org.ce.container.name': 'web', 'org.ce.namespace': 'default', 'org.ce.owner': 'ced' });
    expect(spec.linux!.cgroupsPath).toBe(`/ce/default/${'c'.repeat(64)}`);
  });
  it('refuses bad input when the options are made, before any applies', () => {
    const bad = { ...record(), Config: { ...record().Config, WorkingDir: 'rel' } };
    expect(() => containerSpecOpts(bad, user)).toThrow("the working directory 'rel' is invalid, it needs to be an absolute path");
    expect(() => securitySpecOpts(security({ capAdd: ['CAP_FLY'] }), defaults)).toThrow('invalid CapAdd: unknown capability: "CAP_FLY"');
  });
  it("sets Docker's network sysctls in a namespace of the container's own, pinned or not, and never in the host's or another container's", () => {
    const sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' };
    const pinned = buildSpecSync([...containerSpecOpts(record(), user), withNetnsPath('/run/ce/netns/x')]);
    expect(pinned.linux!.sysctl).toEqual(sysctls);
    expect(buildSpecSync([dockerNetworkSysctls('default')]).linux!.sysctl).toEqual(sysctls);
    expect(buildSpecSync([dockerNetworkSysctls('host')]).linux?.sysctl).toBeUndefined();
    expect(buildSpecSync([dockerNetworkSysctls('container:db')]).linux?.sysctl).toBeUndefined();
  });
  it('takes options of other subsystems after its own', () => {
    const spec = buildSpecSync([...containerSpecOpts(record(), user), withMounts([{ destination: '/data', type: 'bind', source: '/v', options: ['rbind'] }])]);
    expect(spec.mounts!.at(-1)!.destination).toBe('/data');
  });
  it('privileged: all devices, no masked or read-only paths, /sys writable, no seccomp, every capability ced has', () => {
    const spec = buildSpecSync(securitySpecOpts(security({ privileged: true }), defaults));
    expect(spec.linux!.devices!.map((d) => d.path)).toEqual(['/dev/kmsg']);
    expect(spec.linux!.resources!.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect([spec.linux!.maskedPaths, spec.linux!.readonlyPaths]).toEqual([[], []]);
    expect(spec.mounts!.find((m) => m.destination === '/sys')!.options).not.toContain('ro');
    expect(spec.linux!.seccomp).toBeUndefined();
    expect(spec.process!.capabilities!.bounding).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN']);
  });
});
