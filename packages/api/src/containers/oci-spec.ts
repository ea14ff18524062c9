import { invalidArgument } from '@ce/protocol';
import { defaultSpec, type Spec } from '@ce/runtime';
import { withNetworkSysctls } from './network-sysctls.js';
import { mergeEnv } from './process-args.js';
import type { ExecUser } from './process-user.js';
import type { ContainerRecord } from './record.js';

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

/** The OCI runtime config for a container, as moby's daemon/oci_linux.go builds it. */
export function buildSpec(record: ContainerRecord, imageEnv: readonly string[] | null | undefined, user: ExecUser): Spec {
  const spec = defaultSpec();
  spec.process = {
    ...spec.process,
    terminal: record.config.tty,
    args: record.pathAndArgs,
    env: processEnv(record, imageEnv, user.home),
    cwd: processCwd(record.config.workingDir),
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
  };
  spec.hostname = record.config.hostname;
  spec.root = { path: 'rootfs', readonly: false };
  spec.annotations = { ...(spec.annotations ?? {}), 'org.ce.container.name': record.name };
  spec.linux = { ...spec.linux, cgroupsPath: `/ce/${record.id}` };
  return withNetworkSysctls(spec);
}
