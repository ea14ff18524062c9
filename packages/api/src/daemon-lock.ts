import { closeSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { flock, LOCK_EX, LOCK_NB } from '@ce/native';
import { failedPrecondition } from '@ce/protocol';

/**
 * One ced per state folder: an flock on <state>/ced.pid, which the kernel
 * releases when the holder dies (even by SIGKILL), so a stale file never
 * blocks a restart.
 */
export function acquireDaemonLock(path: string): { release(): void } {
  const fd = openSync(path, 'a+', 0o644);
  if (!flock(fd, LOCK_EX | LOCK_NB)) {
    const holder = readFileSync(path, 'utf8').trim() || 'unknown';
    closeSync(fd);
    throw failedPrecondition(`another ced (pid ${holder}) is already running with this state folder (lock ${path})`);
  }
  ftruncateSync(fd);
  writeSync(fd, `${process.pid}\n`, 0);
  return { release: () => closeSync(fd) };
}
