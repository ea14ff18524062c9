import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NamespaceMode, PodSandboxConfig, SecurityProfile_ProfileType } from '../../src/gen/runtime/v1/api.js';
import { sandboxSpec } from '../../src/sandbox/sandbox-spec.js';

const config = (linux: object = {}) => PodSandboxConfig.fromPartial({ metadata: { name: 'p', namespace: 'n', uid: 'u', attempt: 0 }, hostname: 'p', linux });
const types = (spec: { linux?: { namespaces?: Array<{ type: string }> } }) => (spec.linux?.namespaces ?? []).map((n) => n.type).sort();

describe("the pause task's spec", () => {
  it('has its own pid, ipc, uts and mount namespaces and joins the pinned netns; runs /pause as root under /ce/<namespace>/<id>, unconfined by default', async () => {
    const spec = await sandboxSpec({ id: 'abc', config: config(), netnsPath: '/run/ce/cri/netns/abc', namespace: 'k8s.io' });
    expect(types(spec)).toEqual(['ipc', 'mount', 'network', 'pid', 'uts']);
    expect(spec.linux!.namespaces).toContainEqual({ type: 'network', path: '/run/ce/cri/netns/abc' });
    expect(spec.process).toMatchObject({ args: ['/pause'], user: { uid: 0, gid: 0 } });
    expect(spec.hostname).toBe('p');
    expect(spec.linux!.cgroupsPath).toBe('/ce/k8s.io/abc');
    expect(spec.linux!.seccomp).toBeUndefined();
  });

  it("shares the host's network, uts, pid and ipc for NODE modes", async () => {
    const spec = await sandboxSpec({
      id: 'abc',
      config: config({ securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.NODE, ipc: NamespaceMode.NODE } } }),
      netnsPath: '',
      namespace: 'k8s.io',
    });
    expect(types(spec)).toEqual(['mount']);
    expect(spec.hostname).toBeUndefined();
  });

  it('takes run-as user and group, sysctls, the cgroup parent and a read-only rootfs', async () => {
    const spec = await sandboxSpec({
      id: 'abc',
      config: config({
        cgroupParent: '/kubepods/besteffort/podu/',
        sysctls: { 'net.ipv4.ping_group_range': '0 2147483647' },
        securityContext: { runAsUser: { value: 65535n }, runAsGroup: { value: 65534n }, supplementalGroups: [5n], readonlyRootfs: true },
      }),
      netnsPath: '/n',
      namespace: 'k8s.io',
    });
    expect(spec.process!.user).toEqual({ uid: 65535, gid: 65534, additionalGids: [5] });
    expect(spec.linux!.sysctl).toEqual({ 'net.ipv4.ping_group_range': '0 2147483647' });
    expect(spec.linux!.cgroupsPath).toBe('/kubepods/besteffort/podu/abc');
    expect(spec.root).toEqual({ path: 'rootfs', readonly: true });
  });

  it('is privileged with every capability, nothing masked and no seccomp', async () => {
    const spec = await sandboxSpec({ id: 'abc', config: config({ securityContext: { privileged: true, seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault } } }), netnsPath: '/n', namespace: 'k8s.io' });
    expect(spec.process!.capabilities!.bounding).toContain('CAP_SYS_ADMIN');
    expect(spec.linux!.maskedPaths).toEqual([]);
    expect(spec.linux!.seccomp).toBeUndefined();
  });

  it('takes the RuntimeDefault and Localhost seccomp profiles, and names a profile it cannot read', async () => {
    const withProfile = (seccomp: object) => sandboxSpec({ id: 'abc', config: config({ securityContext: { seccomp } }), netnsPath: '/n', namespace: 'k8s.io' });
    expect((await withProfile({ profileType: SecurityProfile_ProfileType.RuntimeDefault })).linux!.seccomp).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO' });
    const dir = await mkdtemp(join(tmpdir(), 'ce-cri-seccomp-'));
    try {
      const file = join(dir, 'profile.json');
      await writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_LOG' }));
      expect((await withProfile({ profileType: SecurityProfile_ProfileType.Localhost, localhostRef: file })).linux!.seccomp).toEqual({ defaultAction: 'SCMP_ACT_LOG' });
      await expect(withProfile({ profileType: SecurityProfile_ProfileType.Localhost, localhostRef: join(dir, 'nosuch.json') })).rejects.toMatchObject({
        code: 'InvalidArgument',
        message: expect.stringContaining(`failed to load seccomp profile "${join(dir, 'nosuch.json')}"`),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
