// docker run --init: the daemon's init binary, bind-mounted read-only at
// /sbin/docker-init, runs as pid 1 with the container's process as its
// command (moby daemon/oci_linux.go, 20.10: args = [init, "--", path, args...]).
import type { SpecOpt } from '@ce/runtime/spec';

/** Where Docker puts its init inside the container. */
export const CONTAINER_INIT_PATH = '/sbin/docker-init';

/** Whether a container runs an init: its own --init when given, else the daemon's default (dockerd --init). */
export function usesInit(containerInit: boolean | undefined, daemonDefault: boolean): boolean {
  return containerInit ?? daemonDefault;
}

/** Runs the process under `hostInitPath` (a static binary on the host): put it after withProcessArgs. */
export function withContainerInit(hostInitPath: string): SpecOpt {
  if (!hostInitPath.startsWith('/')) throw new Error(`withContainerInit: the init path '${hostInitPath}' is not absolute`);
  return (spec) => {
    spec.process = { ...spec.process!, args: [CONTAINER_INIT_PATH, '--', ...(spec.process?.args ?? [])] };
    spec.mounts = [...(spec.mounts ?? []), { destination: CONTAINER_INIT_PATH, type: 'bind', source: hostInitPath, options: ['bind', 'ro'] }];
  };
}
