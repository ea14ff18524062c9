// The pause task's OCI config from a PodSandboxConfig, as containerd's
// sandbox spec: its own uts, ipc, pid and mount namespaces (the host's for a
// NODE mode), the pinned netns, the pod's sysctls, user and security.
import { readFile } from 'node:fs/promises';
import {
  ALL_CAPABILITIES,
  buildSpec,
  defaultContainerSeccomp,
  withAnnotations,
  withCapabilities,
  withCgroupsPath,
  withHostNamespace,
  withHostname,
  withMaskedPaths,
  withNamespace,
  withProcessArgs,
  withReadonlyPaths,
  withRoot,
  withSeccomp,
  withSysctls,
  withUser,
  withWritableSysfs,
  type LinuxSeccomp,
  type Spec,
  type SpecOpt,
} from '@ce/runtime/spec';
import { invalidArgument } from '@ce/protocol';
import { NamespaceMode, SecurityProfile_ProfileType, type PodSandboxConfig, type SecurityProfile } from '../gen/runtime/v1/api.js';

export interface SandboxSpecInput {
  id: string;
  config: PodSandboxConfig;
  /** The pinned netns to join; '' for the host's network. */
  netnsPath: string;
  namespace: string;
}

/** The cgroup the pause (and later the pod's containers) live under: the kubelet's parent, or ce's per-namespace one. */
export function sandboxCgroupsPath(config: PodSandboxConfig, id: string, namespace: string): string {
  const parent = config.linux?.cgroupParent;
  return parent ? `${parent.replace(/\/+$/, '')}/${id}` : `/ce/${namespace}/${id}`;
}

export async function sandboxSpec(input: SandboxSpecInput): Promise<Spec> {
  const { config, id } = input;
  const security = config.linux?.securityContext;
  const ns = security?.namespaceOptions;
  const opts: SpecOpt[] = [withRoot('rootfs', security?.readonlyRootfs ?? false), withProcessArgs(['/pause'])];
  opts.push(input.netnsPath ? withNamespace('network', input.netnsPath) : withHostNamespace('network'));
  // With the host's network the pod keeps the host's name, as containerd.
  if (ns?.network === NamespaceMode.NODE) opts.push(withHostNamespace('uts'));
  else if (config.hostname) opts.push(withHostname(config.hostname));
  if (ns?.ipc === NamespaceMode.NODE) opts.push(withHostNamespace('ipc'));
  if (ns?.pid === NamespaceMode.NODE) opts.push(withHostNamespace('pid'));
  if (security?.runAsUser || security?.runAsGroup || security?.supplementalGroups.length) {
    opts.push(
      withUser({
        uid: Number(security.runAsUser?.value ?? 0n),
        gid: Number(security.runAsGroup?.value ?? 0n),
        additionalGids: security.supplementalGroups.map(Number),
      }),
    );
  }
  const sysctls = config.linux?.sysctls ?? {};
  if (Object.keys(sysctls).length) opts.push(withSysctls(sysctls));
  if (security?.privileged) {
    opts.push(withCapabilities(ALL_CAPABILITIES), withMaskedPaths([]), withReadonlyPaths([]), withWritableSysfs(), withSeccomp(undefined));
  } else {
    opts.push(withSeccomp(await sandboxSeccomp(security?.seccomp, security?.seccompProfilePath ?? '')));
  }
  opts.push(withCgroupsPath(sandboxCgroupsPath(config, id, input.namespace)), withAnnotations({ 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': id }));
  return buildSpec(opts);
}

/** containerd's rule, for sandboxes and containers: no profile is unconfined; RuntimeDefault is ce's default; Localhost reads the file (an OCI LinuxSeccomp). */
export async function sandboxSeccomp(profile: SecurityProfile | undefined, deprecatedPath: string): Promise<LinuxSeccomp | undefined> {
  if (!profile) {
    if (!deprecatedPath || deprecatedPath === 'unconfined') return undefined;
    if (deprecatedPath === 'runtime/default' || deprecatedPath === 'docker/default') return defaultContainerSeccomp();
    if (!deprecatedPath.startsWith('localhost/')) throw invalidArgument(`unsupported seccomp profile ${JSON.stringify(deprecatedPath)}`);
    return readSeccompFile(deprecatedPath.slice('localhost/'.length));
  }
  switch (profile.profileType) {
    case SecurityProfile_ProfileType.RuntimeDefault:
      return defaultContainerSeccomp();
    case SecurityProfile_ProfileType.Unconfined:
      return undefined;
    case SecurityProfile_ProfileType.Localhost:
      return readSeccompFile(profile.localhostRef);
    default:
      throw invalidArgument(`unsupported seccomp profile type ${profile.profileType}`);
  }
}

async function readSeccompFile(path: string): Promise<LinuxSeccomp> {
  if (!path.startsWith('/')) throw invalidArgument(`seccomp profile path ${JSON.stringify(path)} is not absolute`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LinuxSeccomp;
  } catch (err) {
    throw invalidArgument(`failed to load seccomp profile ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}
