import { ReadStream } from 'node:tty';
import { setWindowSize } from '@ce/native';
import type { ProcessStdio } from './stdio-hub.js';

/**
 * A process's stdio when it has a terminal: the pty master is its one output
 * stream (a terminal merges stdout and stderr) and its input. The stream
 * owns the master fd: destroying it closes the fd.
 */
export function terminalStdio(master: number): ProcessStdio & { stream: ReadStream } {
  const stream = new ReadStream(master);
  return {
    stream,
    stdin: stream,
    stdout: stream,
    stderr: null,
    pty: {
      resize(width, height) {
        if (width > 0 && height > 0 && !stream.destroyed) setWindowSize(master, { rows: height, cols: width });
      },
    },
  };
}
