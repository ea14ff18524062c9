// A container's OCI spec as moby's daemon/oci_linux.go builds it, from the
// composable options of @ce/runtime/spec: Docker's meaning of the record
// (env order, cwd cleaning, HOME) is decided here, the spec edits there.
import { invalidArgument } from '@ce/protocol';
import {
  buildSpecSync,
  withAnnotations,
  withCgroupsPath,
  withCwd,
  withEnv,
  withHostname,
  withProcessArgs,
  withResources,
  withRoot,
  withTerminal,
  withUser,
  type Spec,
  type SpecOpt,
} from '@ce/runtime/spec';
import { dockerNetworkSysctls } from './network-sysctls.js';
import { mergeEnv } from './process-args.js';
import type { ExecUser } from './process-user.js';
import type { ContainerRecord } from './record.js';
import { specResources } from './resources.js';
import { securitySpecOpts, type SecurityDefaults } from './security-options.js';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process environment, in Docker's order: the default PATH, the image's,
 * HOSTNAME, TERM for a tty, the user's; then HOME from the user's passwd entry
 * when nobody set it (runc adds it that way under Docker).
 */
export function processEnv(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, home: string): string[] {
  const env = mergeEnv(
    [DEFAULT_PATH],
    imageEnv,
    [`HOSTNAME=${record.config.hostname}`],
    record.config.tty ? ['TERM=xterm'] : [],
    record.config.env,
  );
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
export function containerSpecOpts(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, user: ExecUser): SpecOpt[] {
  return [
    withTerminal(record.config.tty),
    withProcessArgs(record.pathAndArgs),
    withEnv(processEnv(record, imageEnv, user.home)),
    withCwd(processCwd(record.config.workingDir)),
    withUser(user),
    withHostname(record.config.hostname),
    withRoot('rootfs'),
    withAnnotations({ 'org.ce.container.name': record.name }),
    withCgroupsPath(`/ce/${record.id}`),
    ...(record.resources ? [withResources(specResources(record.resources))] : []),
    // Last: it looks at the namespaces the options before it left.
    dockerNetworkSysctls(),
  ];
}

/** A container's spec without its security settings (containerSpec adds them). */
export function buildSpec(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, user: ExecUser): Spec {
  return buildSpecSync(containerSpecOpts(record, imageEnv, user));
}

/** The OCI runtime config ced writes for a container: containerSpecOpts, then its security options. */
export function containerSpec(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, user: ExecUser, security: SecurityDefaults): Spec {
  return buildSpecSync([...containerSpecOpts(record, imageEnv, user), ...securitySpecOpts(record.hostConfig, security)]);
}
