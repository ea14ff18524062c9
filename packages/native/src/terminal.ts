// Terminal size on a pty fd (native/terminal.cc): Node's tty streams can read
// a size but cannot set one on a pty master.
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';

export interface WindowSize {
  rows: number;
  cols: number;
}

interface TerminalBinding {
  setWindowSize(fd: number, rows: number, cols: number): void;
  getWindowSize(fd: number): WindowSize;
}

const binding = (): TerminalBinding => loadBinding() as unknown as TerminalBinding;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

/** Sets the size of the terminal `fd` belongs to (either end of a pty); its foreground processes get SIGWINCH. */
export function setWindowSize(fd: number, size: WindowSize): void {
  call(() => binding().setWindowSize(fd, size.rows, size.cols));
}

export function getWindowSize(fd: number): WindowSize {
  return call(() => binding().getWindowSize(fd));
}
