// The local end of an attached session, as Docker's CLI holds it: stdin (with
// the detach keys), raw mode on a local terminal, and the terminal's size.
import { spawnSync } from 'node:child_process';
import { DEFAULT_DETACH_KEYS, DetachKeyFilter, parseDetachKeys, type AttachSession } from '@ce/protocol';
import { CliExit } from './errors.js';

export interface TerminalIoOptions {
  /** The process has a terminal: raw mode here, and its size follows this terminal's. */
  tty: boolean;
  /** Forward this process's stdin (and watch it for the detach keys). */
  stdin: boolean;
  /** --detach-keys; unset: ctrl-p,ctrl-q. */
  detachKeys?: string;
  /** End the process's stdin when ours ends (docker run -i, exec -i); docker attach leaves it open. */
  closeStdinOnEnd: boolean;
}

export interface TerminalIo {
  /** Resolves when the user typed the detach keys. */
  readonly detached: Promise<void>;
  /** Sends this terminal's size now (once the process exists). */
  resize(): void;
  /** Restores the terminal and stops reading stdin. */
  stop(): void;
}

/** How docker attach and docker exec end when the user detached. */
export const DETACHED = new CliExit(1, 'read escape sequence');

/** The detach keys' bytes; a bad value ends the command as Docker's does. */
export function detachKeyBytes(spec: string | undefined, exitCode = 1): Buffer {
  try {
    return parseDetachKeys(spec ?? DEFAULT_DETACH_KEYS);
  } catch (err) {
    throw new CliExit(exitCode, `Error response from daemon: ${(err as Error).message}`);
  }
}

/** Docker's check before attaching stdin to a terminal. */
export function checkInputIsTty(tty: boolean, stdin: boolean): void {
  if (tty && stdin && !process.stdin.isTTY) throw new CliExit(1, 'the input device is not a TTY');
}

/** This terminal's size, for a process created with a terminal; undefined when stdout is not one. */
export function localTerminalSize(): { width: number; height: number } | undefined {
  return process.stdout.isTTY && process.stdout.columns > 0 ? { width: process.stdout.columns, height: process.stdout.rows } : undefined;
}

/**
 * Raw mode as Docker's CLI sets it (moby/term MakeRaw): libuv's raw mode keeps
 * output post-processing (ONLCR), which would turn the container terminal's
 * "\r\n" into "\r\r\n"; stty turns it off too. setRawMode(false) restores
 * the terminal as it was, OPOST included.
 */
function makeRaw(): void {
  process.stdin.setRawMode(true);
  if (process.stdout.isTTY) spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
}

export function connectTerminalIo(session: AttachSession, options: TerminalIoOptions): TerminalIo {
  let resolveDetached!: () => void;
  const detached = new Promise<void>((resolve) => (resolveDetached = resolve));
  const stdin = process.stdin;
  const raw = options.tty && options.stdin && stdin.isTTY === true;
  const resize = () => {
    const size = options.tty ? localTerminalSize() : undefined;
    if (size) session.resize(size.width, size.height);
  };
  let onData: ((data: Buffer) => void) | undefined;
  let onEnd: (() => void) | undefined;
  if (options.stdin) {
    const filter = new DetachKeyFilter(detachKeyBytes(options.detachKeys));
    onData = (data: Buffer) => {
      const { forward, detach } = filter.push(data);
      if (forward.length) session.writeStdin(forward);
      if (detach) resolveDetached();
    };
    onEnd = () => {
      if (options.closeStdinOnEnd) session.closeStdin();
    };
    if (raw) makeRaw();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  }
  if (options.tty) process.stdout.on('resize', resize);
  return {
    detached,
    resize,
    stop() {
      if (onData) stdin.off('data', onData);
      if (onEnd) stdin.off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      process.stdout.off('resize', resize);
    },
  };
}
