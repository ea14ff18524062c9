import { defaultSpec, type Spec } from '@ce/runtime';
import { mergeEnv, parseUser } from './process-args.js';
import type { ContainerRecord } from './record.js';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The OCI runtime config for a container, as moby's daemon/oci_linux.go builds it. */
export function buildSpec(record: ContainerRecord, imageEnv: readonly string[] | null | undefined): Spec {
  const spec = defaultSpec();
  const { uid, gid } = parseUser(record.config.user);
  const env = mergeEnv(
    [DEFAULT_PATH],
    imageEnv,
    [`HOSTNAME=${record.config.hostname}`],
    record.config.tty ? ['TERM=xterm'] : [],
    record.config.env,
  );
  spec.process = {
    ...spec.process,
    terminal: record.config.tty,
    args: record.pathAndArgs,
    env,
    cwd: record.config.workingDir || '/',
    user: { uid, gid },
  };
  spec.hostname = record.config.hostname;
  spec.root = { path: 'rootfs', readonly: false };
  spec.annotations = { ...(spec.annotations ?? {}), 'org.ce.container.name': record.name };
  spec.linux = { ...spec.linux, cgroupsPath: `/ce/${record.id}` };
  return spec;
}
