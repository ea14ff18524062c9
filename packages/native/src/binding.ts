// Hand-typed surface of build/Release/ce_native.node (native/addon.cc).
export interface WaitResult {
  /** Set when the process exited normally. */
  exitCode: number | null;
  /** Set when a signal ended the process. */
  signal: number | null;
}

export interface NativeBinding {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  /** false when LOCK_NB was asked and another holder has the lock. */
  flock(fd: number, operation: number): boolean;
  setChildSubreaper(on: boolean): void;
  mkfifo(path: string, mode: number): void;
  spawnFds(path: string, argv: string[], fds: number[], sealedCopy?: boolean, env?: string[], newSession?: boolean): number;
  spawnFdsAsync(path: string, argv: string[], fds: number[], sealedCopy: boolean, env: string[], newSession: boolean, callback: (err: Error | null, pid?: number) => void): void;
  /** pipe2(O_CLOEXEC): [readFd, writeFd]. */
  pipe(): [number, number];
  /** Reaps `pid` (a child of this process) on a dedicated thread. */
  waitPid(pid: number, callback: (err: Error | null, result?: WaitResult) => void): void;
}
