// A command run on a pseudo-terminal (support/pty-driver.py), as a user at a
// terminal runs it: keys typed in, the screen read back, the window resized.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { repoRoot } from './paths.js';

/** Why pty tests cannot run here, or undefined when they can. */
export const ptyMissing: string | undefined = spawnSync('python3', ['-c', 'import pty, termios'], { stdio: 'ignore' }).status === 0 ? undefined : 'needs python3 with pty';

export interface PtySession {
  /** Everything printed on the terminal so far. */
  screen(): string;
  type(keys: string | Buffer): void;
  resize(rows: number, cols: number): void;
  /** Resolves once `pattern` appears on the screen (after `from` characters), with the screen. */
  waitFor(pattern: RegExp | string, from?: number, timeoutMs?: number): Promise<string>;
  /** The command's exit code once it ended. */
  readonly exited: Promise<number>;
  kill(): void;
}

export function runInPty(argv: string[], size = { rows: 24, cols: 80 }, env: NodeJS.ProcessEnv = process.env): PtySession {
  const child: ChildProcess = spawn('python3', [join(repoRoot, 'e2e/support/pty-driver.py'), String(size.rows), String(size.cols), '--', ...argv], {
    stdio: ['pipe', 'pipe', 'inherit', 'pipe'],
    env,
  });
  let screen = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    screen += d.toString();
    for (const w of [...watchers]) w();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 255))));
  const control = child.stdio[3] as Writable;
  return {
    screen: () => screen,
    type: (keys) => void child.stdin!.write(keys),
    resize: (rows, cols) => void control.write(`${rows} ${cols}\n`),
    waitFor(pattern, from = 0, timeoutMs = 20_000) {
      const test = () => (typeof pattern === 'string' ? screen.slice(from).includes(pattern) : pattern.test(screen.slice(from)));
      return new Promise((resolve, reject) => {
        if (test()) return resolve(screen);
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`timed out waiting for ${pattern} on the terminal; it shows: ${JSON.stringify(screen.slice(from))}`));
        }, timeoutMs);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve(screen);
        };
        watchers.add(check);
        void exited.then(() => setTimeout(check, 0));
      });
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}
