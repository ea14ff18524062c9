import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { setWindowSize } from '@ce/native';

/** process.terminal of a bundle's config.json; false when it cannot be read (create then says why). */
export function bundleWantsTerminal(bundle: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process?: { terminal?: boolean } }).process?.terminal === true;
  } catch {
    return false;
  }
}

/**
 * runc's foreground terminal: without --console-socket, ce-runc holds the
 * pty master itself and copies it to and from its own stdio (raw mode and
 * window size follow ce-runc's terminal, if it has one). `stop` restores the
 * terminal and closes the master.
 */
export function proxyTerminal(master: number): { drained: Promise<void>; stop(): void } {
  const input = process.stdin;
  const output = process.stdout;
  const resize = () => {
    if (output.isTTY) setWindowSize(master, { rows: output.rows, cols: output.columns });
  };
  resize();
  output.on('resize', resize);
  const raw = input.isTTY === true;
  if (raw) input.setRawMode(true);
  const fromContainer = new ReadStream(master);
  fromContainer.on('data', (d: Buffer) => output.write(d));
  // EIO once the last process holding the terminal is gone: everything it wrote has been read
  const drained = new Promise<void>((resolve) => {
    fromContainer.on('error', () => resolve());
    fromContainer.on('end', () => resolve());
    fromContainer.on('close', () => resolve());
  });
  const toContainer = (d: Buffer) => {
    try {
      writeSync(master, d);
    } catch {
      // the container is gone
    }
  };
  input.on('data', toContainer);
  input.resume();
  return {
    drained,
    stop() {
      input.off('data', toContainer);
      input.pause();
      if (raw) input.setRawMode(false);
      output.off('resize', resize);
      fromContainer.destroy(); // closes the master
    },
  };
}

/** Waits for the terminal's last output, but not for long: a process left behind may hold the terminal open. */
export async function untilDrained(drained: Promise<void>, graceMs = 500): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
}
