// Socket activation: the listening sockets a service manager (systemd's
// socket units, systemd-socket-activate) passes, as sd_listen_fds(3) reads
// them — from fd 3, LISTEN_FDS of them, meant for the process LISTEN_PID.
import { fstatSync, readFileSync } from 'node:fs';

const SD_LISTEN_FDS_START = 3;

/**
 * The fds passed to this process, [] when none are. The variables are unset,
 * as sd_listen_fds(1) does, so the processes this one starts do not take them.
 */
export function takeListenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number[] {
  const count = Number(env.LISTEN_FDS);
  const forUs = env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) === pid;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (!forUs || !Number.isInteger(count) || count < 1) return [];
  return Array.from({ length: count }, (_, i) => SD_LISTEN_FDS_START + i);
}

/**
 * The path a unix socket fd is bound to (what getsockname(2) gives), read
 * from /proc/net/unix by the socket's inode; undefined for another kind of
 * fd, or an abstract or unbound socket.
 */
export function unixSocketPath(fd: number, procNetUnix = '/proc/net/unix'): string | undefined {
  const inode = String(fstatSync(fd).ino);
  // "Num RefCount Protocol Flags Type St Inode Path"
  for (const line of readFileSync(procNetUnix, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[6] === inode && fields[7]?.startsWith('/')) return fields.slice(7).join(' ');
  }
  return undefined;
}
