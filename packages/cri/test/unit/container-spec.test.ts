import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS } from '@ce/runtime/spec';
import { ContainerConfig, MountPropagation, NamespaceMode, PodSandboxConfig, SecurityProfile_ProfileType } from '../../src/gen/runtime/v1/api.js';
import { containerSpec, processArgs, type ContainerSpecInput } from '../../src/container/container-spec.js';
import { resolveProcessUser } from '../../src/container/container-user.js';

const pod = (linux: object = {}) =>
  PodSandboxConfig.fromPartial({ metadata: { name: 'web', namespace: 'shop', uid: 'u1', attempt: 0 }, hostname: 'web-0', logDirectory: '/var/log/pods/x', linux });

function input(config: Partial<ContainerConfig> = {}, extra: Partial<ContainerSpecInput> = {}): ContainerSpecInput {
  return {
    id: 'c1',
    config: ContainerConfig.fromPartial({ metadata: { name: 'app', attempt: 1 }, image: { image: 'busybox' }, ...config }),
    sandboxId: 's1',
    sandboxConfig: pod(),
    sandboxPid: 4242,
    sandboxFiles: { hostname: '/run/s1/hostname', hosts: '/run/s1/hosts', resolvConf: '/run/s1/resolv.conf', shm: '/run/s1/shm' },
    imageName: 'busybox',
    image: { Env: ['PATH=/bin', 'LANG=C'], Cmd: ['sh'], WorkingDir: '/srv' },
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    hostHostname: 'node-1',
    devices: [],
    hostDevices: [],
    namespace: 'k8s.io',
    ...extra,
  };
}

const nsOf = (spec: { linux?: { namespaces?: Array<{ type: string; path?: string }> } }) => Object.fromEntries((spec.linux?.namespaces ?? []).map((n) => [n.type, n.path ?? 'new']));
const mountAt = (spec: { mounts?: Array<{ destination: string }> }, destination: string) => spec.mounts?.find((m) => m.destination === destination);

describe("a CRI container's spec", () => {
  it("merges the image config as containerd does: HOSTNAME, the image's Env then the config's envs (replacing in place), Cmd, WorkingDir", async () => {
    const spec = await containerSpec(input({ envs: [{ key: 'LANG', value: 'en' }, { key: 'X', value: '1' }] }));
    expect(spec.process!.env).toEqual(['HOSTNAME=web-0', 'PATH=/bin', 'LANG=en', 'X=1', 'HOME=/root']);
    expect(spec.process!.args).toEqual(['sh']);
    expect(spec.process!.cwd).toBe('/srv');
    expect((await containerSpec(input({ workingDir: '/app' }))).process!.cwd).toBe('/app');
  });

  it("takes command over Entrypoint and args over Cmd (moby's rules); refuses when nothing is left to run", () => {
    const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
    expect(processArgs({ command: [], args: [] }, image)).toEqual(['/entry', 'default']);
    expect(processArgs({ command: [], args: ['mine'] }, image)).toEqual(['/entry', 'mine']);
    expect(processArgs({ command: ['/bin/x'], args: [] }, image)).toEqual(['/bin/x']);
    expect(processArgs({ command: ['/bin/x'], args: ['a'] }, image)).toEqual(['/bin/x', 'a']);
    expect(processArgs({ command: [], args: [] }, { Entrypoint: [''], Cmd: ['c'] })).toEqual(['c']);
    expect(() => processArgs({ command: [], args: [] }, {})).toThrow('no command specified');
  });

  it("joins the pause's net, ipc and uts; pid per NamespaceOption (CONTAINER new, POD the pause's, NODE the host's, TARGET the target's)", async () => {
    const withPid = (pid: NamespaceMode, extra: Partial<ContainerSpecInput> = {}) =>
      containerSpec(input({ linux: { securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid, ipc: NamespaceMode.POD, targetId: 't' } } } as never }, extra));
    const own = nsOf(await withPid(NamespaceMode.CONTAINER));
    expect(own).toMatchObject({ network: '/proc/4242/ns/net', ipc: '/proc/4242/ns/ipc', uts: '/proc/4242/ns/uts', pid: 'new', mount: 'new' });
    expect(nsOf(await withPid(NamespaceMode.POD)).pid).toBe('/proc/4242/ns/pid');
    expect(nsOf(await withPid(NamespaceMode.NODE)).pid).toBeUndefined();
    expect(nsOf(await withPid(NamespaceMode.TARGET, { targetPid: 777 })).pid).toBe('/proc/777/ns/pid');
    await expect(withPid(NamespaceMode.TARGET)).rejects.toThrow('target container "t" must be running');
  });

  it("uses the host's network and uts (HOSTNAME the node's) and the host's ipc and /dev/shm for NODE modes", async () => {
    const spec = await containerSpec(input({ linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.NODE, targetId: '' } } } as never }));
    const ns = nsOf(spec);
    expect(ns.network).toBeUndefined();
    expect(ns.uts).toBeUndefined();
    expect(ns.ipc).toBeUndefined();
    expect(spec.process!.env).toContain('HOSTNAME=node-1');
    expect(mountAt(spec, '/dev/shm')).toMatchObject({ source: '/dev/shm' });
  });

  it("binds the pod's hostname, hosts, resolv.conf and /dev/shm unless the kubelet mounts its own; mounts rbind with propagation, ro/rw, parents first", async () => {
    const spec = await containerSpec(
      input({
        mounts: [
          { containerPath: '/data/cache', hostPath: '/srv/cache', readonly: false, propagation: MountPropagation.PROPAGATION_BIDIRECTIONAL },
          { containerPath: '/data', hostPath: '/srv/data', readonly: true, propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER },
          { containerPath: '/etc/hosts', hostPath: '/var/lib/kubelet/pods/u1/etc-hosts', readonly: false, propagation: MountPropagation.PROPAGATION_PRIVATE },
        ] as never,
      }),
    );
    expect(mountAt(spec, '/etc/hostname')).toEqual({ destination: '/etc/hostname', type: 'bind', source: '/run/s1/hostname', options: ['rbind', 'rprivate', 'rw'] });
    expect(mountAt(spec, '/etc/resolv.conf')).toMatchObject({ source: '/run/s1/resolv.conf' });
    expect(mountAt(spec, '/etc/hosts')).toMatchObject({ source: '/var/lib/kubelet/pods/u1/etc-hosts' });
    expect(mountAt(spec, '/dev/shm')).toMatchObject({ source: '/run/s1/shm', options: ['rbind', 'rprivate', 'rw'] });
    expect(mountAt(spec, '/data')).toMatchObject({ options: ['rbind', 'rslave', 'ro'] });
    expect(mountAt(spec, '/data/cache')).toMatchObject({ options: ['rbind', 'rshared', 'rw'] });
    const order = spec.mounts!.map((m) => m.destination);
    expect(order.indexOf('/data')).toBeLessThan(order.indexOf('/data/cache'));
    expect(spec.linux!.rootfsPropagation).toBe('rshared');
    const readonly = await containerSpec(input({ linux: { securityContext: { readonlyRootfs: true } } as never }));
    expect(readonly.root).toEqual({ path: 'rootfs', readonly: true });
    expect(mountAt(readonly, '/etc/resolv.conf')!.options).toContain('ro');
  });

  it('sets the cgroup beside the pause (the pod parent, or /ce/<namespace>), the linux resources and oom_score_adj', async () => {
    const resources = { cpuShares: 512n, cpuQuota: 50000n, cpuPeriod: 100000n, cpusetCpus: '0-1', cpusetMems: '0', memoryLimitInBytes: 64n << 20n, oomScoreAdj: 900n, hugepageLimits: [{ pageSize: '2MB', limit: 4194304n }], unified: { 'memory.high': '50000000' } };
    const spec = await containerSpec(input({ linux: { resources } as never }, { sandboxConfig: pod({ cgroupParent: '/kubepods/burstable/podu1/' }) }));
    expect(spec.linux!.cgroupsPath).toBe('/kubepods/burstable/podu1/c1');
    expect(spec.linux!.resources).toMatchObject({
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
      memory: { limit: 64 * 2 ** 20 },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      unified: { 'memory.high': '50000000' },
    });
    expect(spec.process!.oomScoreAdj).toBe(900);
    expect((await containerSpec(input())).linux!.cgroupsPath).toBe('/ce/k8s.io/c1');
  });

  it('applies the security context: capabilities added and dropped, no_new_privs, masked and readonly paths, seccomp', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ce-cri-seccomp-'));
    try {
      const profile = join(dir, 'profile.json');
      await writeFile(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
      const spec = await containerSpec(
        input({
          linux: {
            securityContext: {
              capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'], addAmbientCapabilities: [] },
              noNewPrivs: true,
              maskedPaths: ['/proc/kcore'],
              readonlyPaths: ['/proc/sys'],
              seccomp: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: profile },
            },
          } as never,
        }),
      );
      expect(spec.process!.capabilities!.bounding).toEqual([...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN'), 'CAP_NET_ADMIN']);
      expect(spec.process!.noNewPrivileges).toBe(true);
      expect(spec.linux!.maskedPaths).toEqual(['/proc/kcore']);
      expect(spec.linux!.readonlyPaths).toEqual(['/proc/sys']);
      expect(spec.linux!.seccomp).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const plain = await containerSpec(input());
    expect(plain.linux!.seccomp).toBeUndefined();
    expect(plain.linux!.maskedPaths).toEqual(DEFAULT_MASKED_PATHS);
    expect((await containerSpec(input({ linux: { securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: '' } } } as never }))).linux!.seccomp).toBeDefined();
    await expect(containerSpec(input({ linux: { securityContext: { capabilities: { addCapabilities: ['NOPE'], dropCapabilities: [], addAmbientCapabilities: [] } } } as never }))).rejects.toThrow('unknown capability');
  });

  it('refuses an AppArmor profile it cannot apply, in containerd\'s words where the host has none; unconfined or none is fine', async () => {
    const withAppArmor = (security: object, hostHasAppArmor: boolean) => containerSpec(input({ linux: { securityContext: security } as never }, { hostHasAppArmor }));
    const runtimeDefault = { apparmor: { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: '' } };
    const localhost = { apparmor: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: 'k8s-deny-write' } };
    await expect(withAppArmor(runtimeDefault, false)).rejects.toThrow(/^failed to generate apparmor spec opts: apparmor is not supported$/);
    await expect(withAppArmor({ apparmorProfile: 'localhost/k8s-deny-write' }, false)).rejects.toThrow('apparmor is not supported');
    await expect(withAppArmor(localhost, true)).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: 'failed to generate apparmor spec opts: ce\'s runtime does not apply AppArmor profiles (asked for "localhost/k8s-deny-write")',
    });
    for (const hostHas of [false, true]) {
      await expect(withAppArmor({ apparmor: { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: '' } }, hostHas)).resolves.toBeDefined();
      await expect(withAppArmor({ apparmorProfile: 'unconfined' }, hostHas)).resolves.toBeDefined();
      await expect(withAppArmor({}, hostHas)).resolves.toBeDefined();
    }
  });

  it('gives a privileged container every capability and host device, nothing masked, no seccomp; only in a privileged pod', async () => {
    const device = { path: '/dev/sda', type: 'b', major: 8, minor: 0 };
    const config = { linux: { securityContext: { privileged: true } } as never };
    await expect(containerSpec(input(config))).rejects.toThrow('no privileged container allowed in sandbox');
    const spec = await containerSpec(input(config, { sandboxConfig: pod({ securityContext: { privileged: true } }), hostDevices: [device] }));
    expect(spec.process!.capabilities!.bounding!.length).toBeGreaterThan(DEFAULT_CAPABILITIES.length);
    expect(spec.linux!.maskedPaths).toEqual([]);
    expect(spec.linux!.devices).toEqual([device]);
    expect(spec.linux!.seccomp).toBeUndefined();
  });

  it('adds devices with their cgroup permissions, the terminal, the user and containerd\'s annotations', async () => {
    const spec = await containerSpec(
      input({ tty: true, devices: [{ containerPath: '/dev/fuse0', hostPath: '/dev/fuse', permissions: 'rw' }] }, { devices: [{ path: '/dev/fuse0', type: 'c', major: 10, minor: 229 }], user: { uid: 1000, gid: 100, additionalGids: [5], home: '/home/u' } }),
    );
    expect(spec.linux!.devices).toContainEqual({ path: '/dev/fuse0', type: 'c', major: 10, minor: 229 });
    expect(spec.linux!.resources!.devices).toContainEqual({ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' });
    expect(spec.process!.terminal).toBe(true);
    expect(spec.process!.user).toEqual({ uid: 1000, gid: 100, additionalGids: [5] });
    expect(spec.process!.env).toContain('HOME=/home/u');
    expect(spec.annotations).toEqual({
      'io.kubernetes.cri.container-type': 'container',
      'io.kubernetes.cri.sandbox-id': 's1',
      'io.kubernetes.cri.sandbox-name': 'web',
      'io.kubernetes.cri.sandbox-namespace': 'shop',
      'io.kubernetes.cri.container-name': 'app',
      'io.kubernetes.cri.image-name': 'busybox',
    });
  });
});

describe("a CRI container's user", () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n';
  const group = 'root:x:0:\napp:x:1000:\nvideo:x:44:app\n';

  it("resolves run_as_user, run_as_username, run_as_group and the image's User against the image's files", () => {
    expect(resolveProcessUser({ uid: 1000, imageUser: 'root', supplementalGroups: [2000] }, passwd, group)).toEqual({ uid: 1000, gid: 1000, additionalGids: [44, 2000], home: '/home/app' });
    expect(resolveProcessUser({ username: 'app', gid: 5, imageUser: '', supplementalGroups: [] }, passwd, group)).toEqual({ uid: 1000, gid: 5, additionalGids: [44], home: '/home/app' });
    expect(resolveProcessUser({ imageUser: 'app:root', supplementalGroups: [] }, passwd, group)).toMatchObject({ uid: 1000, gid: 0 });
    expect(resolveProcessUser({ uid: 4321, imageUser: '', supplementalGroups: [] }, passwd, group)).toEqual({ uid: 4321, gid: 0, additionalGids: [], home: '/' });
    expect(resolveProcessUser({ imageUser: '', supplementalGroups: [] }, null, null)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: '/' });
    expect(() => resolveProcessUser({ username: 'ghost', imageUser: '', supplementalGroups: [] }, passwd, group)).toThrow('failed to resolve user "ghost"');
  });
});
