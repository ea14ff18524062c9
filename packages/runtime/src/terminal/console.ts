import { closeSync } from 'node:fs';
import { connectUnix, recvFd, shutdownSocket, socketPair } from '@ce/native';
import { RuntimeError } from '../errors.js';
import type { StdioSpec } from '../init-process.js';

/** How a caller asks for the terminal of a process with `terminal: true`. */
export interface TerminalDelivery {
  /** Path of a unix socket the caller listens on; the pty master is sent there (runc's --console-socket). */
  consoleSocket?: string;
  /** Hand the pty master back as the returned process's `terminal` fd (in-process callers such as the shim). */
  receiveTerminal?: boolean;
}

/**
 * The console socket of one create or exec: the end ce-init gets as fd 6,
 * and, for receiveTerminal, the end the master arrives on.
 */
export interface ConsoleChannel {
  /** The fd to hand to ce-init, or undefined without a terminal. */
  readonly childFd: number | undefined;
  /** Closes our copy of childFd once ce-init has it. */
  releaseChild(): void;
  /** The pty master for receiveTerminal (the caller's to close), null otherwise. */
  receive(): Promise<number | null>;
  /** Closes whatever is still open (after a failure). */
  close(): void;
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Checks the terminal options against process.terminal as runc does and
 * opens the console socket. InvalidArgument when a terminal has no way to be
 * delivered, when a console socket is given for a process without one, or
 * when it cannot be connected.
 */
export function openConsoleChannel(terminal: boolean, opts: TerminalDelivery & { stdio?: readonly StdioSpec[] }): ConsoleChannel {
  const { consoleSocket, receiveTerminal } = opts;
  if (consoleSocket !== undefined && (typeof consoleSocket !== 'string' || consoleSocket === '')) {
    throw new RuntimeError('InvalidArgument', `consoleSocket must be the path of a unix socket, not ${JSON.stringify(consoleSocket)}`);
  }
  if (consoleSocket && receiveTerminal) throw new RuntimeError('InvalidArgument', 'give either consoleSocket or receiveTerminal, not both');
  if (!terminal) {
    if (consoleSocket) throw new RuntimeError('InvalidArgument', 'cannot use a console socket: process.terminal is false');
    if (receiveTerminal) throw new RuntimeError('InvalidArgument', 'cannot receive a terminal: process.terminal is false');
    return { childFd: undefined, releaseChild() {}, receive: async () => null, close() {} };
  }
  if (!consoleSocket && !receiveTerminal) {
    throw new RuntimeError('InvalidArgument', 'process.terminal is true but there is no console socket to send the terminal to (give consoleSocket, or receiveTerminal)');
  }
  // As with runc, the caller's stdio does not reach a process with a terminal; a 'pipe' would never carry anything.
  if (opts.stdio?.includes('pipe')) throw new RuntimeError('InvalidArgument', 'stdio \'pipe\' cannot be used with process.terminal: the terminal is the process\'s stdio');

  if (consoleSocket) {
    let fd: number | undefined;
    try {
      fd = connectUnix(consoleSocket);
    } catch (err) {
      // "connect(<path>): <reason>" from the addon: the path is said once
      const reason = (err as Error).message.replace(/^connect\(.*\): /, '');
      throw new RuntimeError('InvalidArgument', `console socket ${consoleSocket}: connect: ${reason}`, { cause: err });
    }
    return {
      childFd: fd,
      releaseChild() {
        closeQuietly(fd);
        fd = undefined;
      },
      receive: async () => null,
      close() {
        closeQuietly(fd);
        fd = undefined;
      },
    };
  }

  let [mine, theirs]: Array<number | undefined> = socketPair();
  return {
    childFd: theirs,
    releaseChild() {
      closeQuietly(theirs);
      theirs = undefined;
    },
    async receive() {
      try {
        return (await recvFd(mine!)).fd;
      } catch (err) {
        throw new RuntimeError('Internal', `receive the terminal from the container: ${(err as Error).message}`, { cause: err });
      } finally {
        closeQuietly(mine);
        mine = undefined;
      }
    },
    close() {
      // recvFd waits on its own copy of `mine`: closing ours would not end a pending receive()
      if (mine !== undefined) {
        try {
          shutdownSocket(mine);
        } catch {
          // not connected any more
        }
      }
      closeQuietly(theirs);
      closeQuietly(mine);
      theirs = mine = undefined;
    },
  };
}
