// A container's OCI spec as moby's daemon/oci_linux.go builds it, from the
// composable options of @ce/runtime/spec: Docker's meaning of the record
// (env order, cwd cleaning, HOME) is decided here, the spec edits there.
import { DEFAULT_NAMESPACE, invalidArgument, NAMESPACE_ANNOTATION, OWNER_ANNOTATION } from '@ce/protocol';
import {
  buildSpecSync,
  withAnnotations,
  withCgroupsPath,
  withCwd,
  withEnv,
  withHostname,
  withProcessArgs,
  withRoot,
  withTerminal,
  withUser,
  type Spec,
  type SpecOpt,
} from '@ce/runtime/spec';
import { dockerNetworkSysctls } from './network-sysctls.js';
import { mergeEnv } from './process-args.js';
import type { ExecUser } from './process-user.js';
import { containerName, type ContainerRecord } from './record.js';
import { resourceSpecOpts, type DeviceLookup } from './resource-options.js';
import { securityConfigOf, securitySpecOpts, type SecurityDefaults } from './security-options.js';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process environment, in Docker's order: the default PATH, HOSTNAME,
 * TERM for a tty, then the container's Env (the user's and the image's, as
 * create merged them) replacing or appending; then HOME from the user's
 * passwd entry when nobody set it (runc adds it that way under Docker).
 */
export function processEnv(record: ContainerRecord, home: string): string[] {
  const env = mergeEnv([DEFAULT_PATH], [`HOSTNAME=${record.Config.Hostname}`], record.Config.Tty ? ['TERM=xterm'] : [], record.Config.Env);
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${home}`];
}

/** Docker's working directory: the one given (absolute), made clean, else "/". */
export function processCwd(workingDir: string): string {
  if (!workingDir) return '/';
  if (!workingDir.startsWith('/')) throw invalidArgument(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  const parts: string[] = [];
  for (const p of workingDir.split('/')) {
    if (p === '..') parts.pop();
    else if (p && p !== '.') parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/**
 * The options for a container's process, hostname, root, labels, cgroup and
 * sysctls, in the order they apply. Bad input (env, cwd) throws
 * InvalidArgument here, before any option runs.
 */
/** Whose a container is: its namespace and the owner that made it. */
export interface ContainerOwner {
  namespace: string;
  name: string;
}

const CED: ContainerOwner = { namespace: DEFAULT_NAMESPACE, name: 'ced' };

export function containerSpecOpts(record: ContainerRecord, user: ExecUser, owner: ContainerOwner = CED): SpecOpt[] {
  return [
    withTerminal(record.Config.Tty),
    withProcessArgs([record.Path, ...record.Args]),
    withEnv(processEnv(record, user.home)),
    withCwd(processCwd(record.Config.WorkingDir)),
    withUser(user),
    withHostname(record.Config.Hostname),
    withRoot('rootfs'),
    withAnnotations({ 'org.ce.container.name': containerName(record), [NAMESPACE_ANNOTATION]: owner.namespace, [OWNER_ANNOTATION]: owner.name }),
    withCgroupsPath(`/ce/${owner.namespace}/${record.Id}`),
    dockerNetworkSysctls(record.HostConfig.NetworkMode),
  ];
}

/** A container's spec without its security settings (containerSpec adds them). */
export function buildSpec(record: ContainerRecord, user: ExecUser, owner: ContainerOwner = CED): Spec {
  return buildSpecSync(containerSpecOpts(record, user, owner));
}

/** The OCI runtime config ced writes for a container: containerSpecOpts, its resources, then its security options. */
export function containerSpec(record: ContainerRecord, user: ExecUser, security: SecurityDefaults, lookupDevice: DeviceLookup, owner: ContainerOwner = CED): Spec {
  return buildSpecSync([
    ...containerSpecOpts(record, user, owner),
    ...resourceSpecOpts(record.HostConfig, lookupDevice),
    ...securitySpecOpts(securityConfigOf(record.HostConfig), security),
  ]);
}
