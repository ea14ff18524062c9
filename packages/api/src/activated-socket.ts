// `ced -H fd://`: ce.sock is the socket systemd's ced.socket made (its path,
// mode and group are the unit's), passed by socket activation, as dockerd's
// `-H fd://` takes docker.socket's.
import { takeListenFds, unixSocketPath } from '@ce/protocol';

export const ACTIVATED_PREFIX = 'fd://';

export const isActivatedSocket = (host: string): boolean => host.startsWith(ACTIVATED_PREFIX);

/** The fd `host` names: fd:// the first socket passed, fd://N socket N. Throws dockerd's words when none was passed. */
export function activatedSocketFd(host: string, env: NodeJS.ProcessEnv = process.env, pid = process.pid): number {
  const fds = takeListenFds(env, pid);
  if (!fds.length) throw new Error('no sockets found via socket activation: make sure the service was started by systemd');
  const wanted = host.slice(ACTIVATED_PREFIX.length);
  if (!wanted) return fds[0]!;
  const fd = Number(wanted);
  if (!/^\d+$/.test(wanted) || !fds.includes(fd)) throw new Error(`${host}: no such socket passed by socket activation (fds ${fds.join(', ')})`);
  return fd;
}

/** The path the activated socket is bound to; throws when it is not a unix socket with a path (ced serves nothing else). */
export function activatedSocketPath(fd: number): string {
  const path = unixSocketPath(fd);
  if (!path) throw new Error(`the socket passed by socket activation (fd ${fd}) is not a unix socket bound to a path: ced serves a unix socket only`);
  return path;
}
