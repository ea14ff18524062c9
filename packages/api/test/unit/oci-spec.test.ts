import { describe, expect, it } from 'vitest';
import { buildSpec, processCwd, processEnv } from '../../src/containers/oci-spec.js';
import type { ContainerRecord } from '../../src/containers/record.js';
import { testRecord } from '../support/record.js';

const record = (config: Partial<ContainerRecord['Config']> = {}): ContainerRecord => testRecord({ config });

const nobody = { uid: 65534, gid: 65534, additionalGids: [65534], home: '/nonexistent' };

describe("a container's spec, Docker's defaults", () => {
  it('runs as the resolved user, with the primary gid among the supplementary groups', () => {
    expect(buildSpec(record({ User: '65534' }), nobody).process!.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
  });
  it("adds HOME from the user's passwd entry last, unless the image or the user set it", () => {
    expect(processEnv(record({ Env: ['PATH=/bin'] }), '/nonexistent')).toEqual(['PATH=/bin', 'HOSTNAME=aaaaaaaaaaaa', 'HOME=/nonexistent']);
    expect(processEnv(record({ Env: ['HOME=/mine'] }), '/root')).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=aaaaaaaaaaaa',
      'HOME=/mine',
    ]);
    expect(processEnv(record({ Env: ['HOME=/img'] }), '/root')).toContain('HOME=/img');
  });
  it('keeps the default PATH when the image has none', () => {
    expect(processEnv(record(), '/')[0]).toBe('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
  it('cleans the working directory and refuses a relative one', () => {
    expect(processCwd('')).toBe('/');
    expect(processCwd('/a/./b/../c/')).toBe('/a/c');
    expect(() => processCwd('rel')).toThrow("the working directory 'rel' is invalid, it needs to be an absolute path");
  });
  it('sets the unprivileged-port and ping sysctls for a container with its own network namespace only', () => {
    const sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' };
    expect(buildSpec(record(), nobody).linux!.sysctl).toEqual(sysctls);
    const withMode = (NetworkMode: string) => testRecord({ hostConfig: { NetworkMode } });
    expect(buildSpec(withMode('my-net'), nobody).linux!.sysctl).toEqual(sysctls);
    expect(buildSpec(withMode('host'), nobody).linux!.sysctl).toBeUndefined();
    expect(buildSpec(withMode('container:web'), nobody).linux!.sysctl).toBeUndefined();
  });
  it('keeps the masked paths, read-only paths, capabilities and no_new_privs of the runtime default', () => {
    const spec = buildSpec(record(), nobody);
    expect(spec.linux!.maskedPaths).toEqual(expect.arrayContaining(['/proc/kcore', '/proc/keys', '/sys/firmware', '/proc/acpi']));
    expect(spec.linux!.readonlyPaths).toEqual(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
    expect(spec.process!.noNewPrivileges).toBe(false);
  });
});
