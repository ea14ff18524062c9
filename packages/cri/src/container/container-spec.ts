// A CRI container's OCI config from its ContainerConfig, as containerd's CRI
// plugin generates it: the image config merged in (Env, Entrypoint/Cmd,
// WorkingDir, User), the pod's namespaces joined through the pause's pid, the
// pod's hostname, hosts, resolv.conf and /dev/shm, its cgroup parent, linux
// resources and security context, and containerd's annotations.
import {
  ALL_CAPABILITIES,
  buildSpec,
  DEFAULT_CAPABILITIES,
  tweakCapabilities,
  withAllDevices,
  withAnnotations,
  withCapabilities,
  withCgroupsPath,
  withCwd,
  withDevices,
  withEnv,
  withHostNamespace,
  withMaskedPaths,
  withMounts,
  withNamespace,
  withNoNewPrivileges,
  withProcessArgs,
  withReadonlyPaths,
  withResources,
  withRoot,
  withSeccomp,
  withTerminal,
  withUser,
  withWritableSysfs,
  processOf,
  type LinuxDevice,
  type LinuxResources,
  type Mount as OciMount,
  type Spec,
  type SpecOpt,
} from '@ce/runtime/spec';
import { CeError, invalidArgument } from '@ce/protocol';
import { MountPropagation, NamespaceMode, type ContainerConfig, type LinuxContainerResources, type Mount, type PodSandboxConfig } from '../gen/runtime/v1/api.js';
import { refuseAppArmorProfile } from './apparmor.js';
import { sandboxSeccomp } from '../sandbox/sandbox-spec.js';
import type { ImageRunConfig } from './container-deps.js';
import type { ProcessUser } from './container-user.js';

export interface ContainerSpecInput {
  id: string;
  config: ContainerConfig;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  /** The pause's pid, whose namespaces the container joins. */
  sandboxPid: number;
  /** The pod's files in the sandbox folder. */
  sandboxFiles: { hostname: string; hosts: string; resolvConf: string; shm?: string };
  /** The image reference the kubelet gave, and the image's config. */
  imageName: string;
  image: ImageRunConfig;
  user: ProcessUser;
  /** The pid of the TARGET container of a TARGET pid namespace. */
  targetPid?: number;
  /** The host's name, HOSTNAME of a host-network pod's containers. */
  hostHostname: string;
  /** The CRI devices as spec devices (resolved on the host), and the host's devices for a privileged container. */
  devices: LinuxDevice[];
  hostDevices: LinuxDevice[];
  namespace: string;
  /** Whether the kernel enforces AppArmor (default: read from /sys). */
  hostHasAppArmor?: boolean;
}

export const CONTAINER_TYPE_ANNOTATION = 'io.kubernetes.cri.container-type';

/** The container's cgroup: beside the pause, under the kubelet's parent, or ce's per-namespace one. */
export function containerCgroupsPath(sandboxConfig: PodSandboxConfig, id: string, namespace: string): string {
  const parent = sandboxConfig.linux?.cgroupParent;
  return parent ? `${parent.replace(/\/+$/, '')}/${id}` : `/ce/${namespace}/${id}`;
}

/** containerd's getCommand (after moby's commit.go): command/args over the image's Entrypoint/Cmd. */
export function processArgs(config: Pick<ContainerConfig, 'command' | 'args'>, image: ImageRunConfig): string[] {
  let command = [...config.command];
  let args = [...config.args];
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const entrypoint = image.Entrypoint ?? [];
    if (!(entrypoint.length === 1 && entrypoint[0] === '')) command = [...entrypoint];
  }
  const all = [...command, ...args];
  if (all.length === 0) throw invalidArgument('failed to generate spec: no command specified');
  return all;
}

/** HOSTNAME, the image's Env, then the config's envs, a later key replacing an earlier one in place. */
export function processEnv(hostname: string, image: ImageRunConfig, envs: ContainerConfig['envs']): string[] {
  const env = new Map<string, string>();
  const put = (entry: string) => {
    const eq = entry.indexOf('=');
    env.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  };
  put(`HOSTNAME=${hostname}`);
  for (const e of image.Env ?? []) put(e);
  for (const { key, value } of envs) put(`${key}=${value}`);
  return [...env.values()];
}

const PROPAGATION: Record<number, string> = {
  [MountPropagation.PROPAGATION_PRIVATE]: 'rprivate',
  [MountPropagation.PROPAGATION_HOST_TO_CONTAINER]: 'rslave',
  [MountPropagation.PROPAGATION_BIDIRECTIONAL]: 'rshared',
};

/** A CRI mount as containerd binds it: rbind, its propagation, ro or rw. */
export function bindMount(mount: Pick<Mount, 'containerPath' | 'hostPath' | 'readonly' | 'propagation'>): OciMount {
  if (!mount.containerPath.startsWith('/')) throw invalidArgument(`mount container path ${JSON.stringify(mount.containerPath)} is not absolute`);
  if (!mount.hostPath.startsWith('/')) throw invalidArgument(`mount host path ${JSON.stringify(mount.hostPath)} is not absolute`);
  const propagation = PROPAGATION[mount.propagation];
  if (!propagation) throw invalidArgument(`unknown propagation mode for hostPath ${JSON.stringify(mount.hostPath)}`);
  return { destination: mount.containerPath, type: 'bind', source: mount.hostPath, options: ['rbind', propagation, mount.readonly ? 'ro' : 'rw'] };
}

/**
 * A mount of the container's config. Image volumes (Mount.image, Kubernetes'
 * ImageVolume feature) are not supported: Unimplemented is the answer the
 * kubelet and critest read as "this runtime does not have the feature".
 */
function hostMount(mount: Mount): OciMount {
  if (mount.image?.image) throw new CeError('Unimplemented', `mount of image ${JSON.stringify(mount.image.image)} at ${JSON.stringify(mount.containerPath)}: image volumes are not supported`);
  return bindMount(mount);
}

/** Fewer path parts first (containerd's orderedMounts), so that a parent is mounted before what is inside it. */
const depth = (path: string) => path.split('/').filter(Boolean).length;

/** The LinuxContainerResources as OCI resources: only what is set (0 or empty is "not set", as containerd reads it). */
export function linuxResources(r: LinuxContainerResources): Omit<LinuxResources, 'devices'> {
  const n = (v: bigint) => Number(v);
  const cpu = {
    ...(r.cpuShares ? { shares: n(r.cpuShares) } : {}),
    ...(r.cpuQuota ? { quota: n(r.cpuQuota) } : {}),
    ...(r.cpuPeriod ? { period: n(r.cpuPeriod) } : {}),
    ...(r.cpusetCpus ? { cpus: r.cpusetCpus } : {}),
    ...(r.cpusetMems ? { mems: r.cpusetMems } : {}),
  };
  const memory = {
    ...(r.memoryLimitInBytes > 0n ? { limit: n(r.memoryLimitInBytes) } : {}),
    ...(r.memorySwapLimitInBytes > 0n ? { swap: n(r.memorySwapLimitInBytes) } : {}),
  };
  return {
    ...(Object.keys(cpu).length ? { cpu } : {}),
    ...(Object.keys(memory).length ? { memory } : {}),
    ...(r.hugepageLimits.length ? { hugepageLimits: r.hugepageLimits.map((h) => ({ pageSize: h.pageSize, limit: n(h.limit) })) } : {}),
    ...(Object.keys(r.unified).length ? { unified: { ...r.unified } } : {}),
  };
}

export async function containerSpec(input: ContainerSpecInput): Promise<Spec> {
  const { config, sandboxConfig, sandboxPid: pid } = input;
  const security = config.linux?.securityContext;
  const ns = security?.namespaceOptions;
  const hostNetwork = ns?.network === NamespaceMode.NODE;
  const readonlyRootfs = security?.readonlyRootfs ?? false;
  if (security?.privileged && !sandboxConfig.linux?.securityContext?.privileged) throw invalidArgument('no privileged container allowed in sandbox');

  const opts: SpecOpt[] = [withRoot('rootfs', readonlyRootfs), withProcessArgs(processArgs(config, input.image))];
  opts.push(withEnv(processEnv(hostNetwork ? input.hostHostname : sandboxConfig.hostname || input.hostHostname, input.image, config.envs)));
  const cwd = config.workingDir || input.image.WorkingDir;
  if (cwd) opts.push(withCwd(cwd));
  opts.push(withTerminal(config.tty));

  // The pod's namespaces, through the pause's pid (containerd's WithPodNamespaces).
  opts.push(hostNetwork ? withHostNamespace('network') : withNamespace('network', `/proc/${pid}/ns/net`));
  opts.push(hostNetwork ? withHostNamespace('uts') : withNamespace('uts', `/proc/${pid}/ns/uts`));
  opts.push(ns?.ipc === NamespaceMode.NODE ? withHostNamespace('ipc') : withNamespace('ipc', `/proc/${pid}/ns/ipc`));
  switch (ns?.pid ?? NamespaceMode.CONTAINER) {
    case NamespaceMode.NODE:
      opts.push(withHostNamespace('pid'));
      break;
    case NamespaceMode.POD:
      opts.push(withNamespace('pid', `/proc/${pid}/ns/pid`));
      break;
    case NamespaceMode.TARGET:
      if (!input.targetPid) throw invalidArgument(`target container ${JSON.stringify(ns?.targetId ?? '')} must be running`);
      opts.push(withNamespace('pid', `/proc/${input.targetPid}/ns/pid`));
      break;
    default:
      opts.push(withNamespace('pid'));
  }

  // The kubelet's mounts, then the pod's files where it mounts none (containerd's containerMounts).
  const given = new Set(config.mounts.map((m) => m.containerPath));
  const podFiles: Array<[string, string, boolean]> = [
    ['/etc/hostname', input.sandboxFiles.hostname, readonlyRootfs],
    ['/etc/hosts', input.sandboxFiles.hosts, readonlyRootfs],
    ['/etc/resolv.conf', input.sandboxFiles.resolvConf, readonlyRootfs],
  ];
  // The pod's /dev/shm; a NODE ipc pod's is the host's. (A sandbox from before pods had one: the container's own.)
  const shm = ns?.ipc === NamespaceMode.NODE ? '/dev/shm' : input.sandboxFiles.shm;
  if (shm) podFiles.push(['/dev/shm', shm, false]);
  const mounts = [
    ...config.mounts.map(hostMount),
    ...podFiles.filter(([target]) => !given.has(target)).map(([destination, source, ro]) => bindMount({ containerPath: destination, hostPath: source, readonly: ro, propagation: MountPropagation.PROPAGATION_PRIVATE })),
  ].sort((a, b) => depth(a.destination) - depth(b.destination));
  opts.push(withMounts(mounts));
  const propagations = mounts.flatMap((m) => m.options ?? []);
  if (propagations.includes('rshared')) opts.push((spec) => void (spec.linux = { ...spec.linux, rootfsPropagation: 'rshared' }));
  else if (propagations.includes('rslave')) opts.push((spec) => void (spec.linux = { ...spec.linux, rootfsPropagation: 'rslave' }));

  const { user } = input;
  opts.push(withUser({ uid: user.uid, gid: user.gid, additionalGids: user.additionalGids }));
  opts.push((spec) => {
    const proc = processOf(spec);
    if (!proc.env?.some((e) => e.startsWith('HOME='))) proc.env = [...(proc.env ?? []), `HOME=${user.home}`];
  });

  const resources = config.linux?.resources;
  if (resources) {
    opts.push(withResources(linuxResources(resources)));
    if (resources.oomScoreAdj) opts.push((spec) => void (processOf(spec).oomScoreAdj = Number(resources.oomScoreAdj)));
  }
  for (const device of input.devices) opts.push(withDevices([device], config.devices.find((d) => d.containerPath === device.path)?.permissions || 'rwm'));

  let caps: string[];
  try {
    caps = tweakCapabilities(DEFAULT_CAPABILITIES, ALL_CAPABILITIES, {
      add: security?.capabilities?.addCapabilities ?? [],
      drop: security?.capabilities?.dropCapabilities ?? [],
      privileged: security?.privileged ?? false,
    });
  } catch (err) {
    throw invalidArgument(`failed to generate capabilities: ${(err as Error).message}`);
  }
  opts.push(withCapabilities(caps));
  refuseAppArmorProfile(security, input.hostHasAppArmor);
  if (security?.privileged) {
    opts.push(withMaskedPaths([]), withReadonlyPaths([]), withWritableSysfs(), withAllDevices(input.hostDevices), withSeccomp(undefined));
  } else {
    if (security?.maskedPaths.length) opts.push(withMaskedPaths(security.maskedPaths));
    if (security?.readonlyPaths.length) opts.push(withReadonlyPaths(security.readonlyPaths));
    opts.push(withSeccomp(await sandboxSeccomp(security?.seccomp, security?.seccompProfilePath ?? '')));
  }
  if (security?.noNewPrivs) opts.push(withNoNewPrivileges(true));

  opts.push(
    withCgroupsPath(containerCgroupsPath(sandboxConfig, input.id, input.namespace)),
    withAnnotations({
      [CONTAINER_TYPE_ANNOTATION]: 'container',
      'io.kubernetes.cri.sandbox-id': input.sandboxId,
      'io.kubernetes.cri.sandbox-name': sandboxConfig.metadata?.name ?? '',
      'io.kubernetes.cri.sandbox-namespace': sandboxConfig.metadata?.namespace ?? '',
      'io.kubernetes.cri.container-name': config.metadata?.name ?? '',
      'io.kubernetes.cri.image-name': input.imageName,
    }),
  );
  return buildSpec(opts);
}
