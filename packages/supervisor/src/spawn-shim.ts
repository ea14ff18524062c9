import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface ShimProcess {
  pid: number;
  /** Resolves when the shim process ends (only while this process is its parent). */
  exited: Promise<void>;
  /** False once the shim process has ended. */
  readonly running: boolean;
  kill(): void;
}

export interface SpawnShimOptions {
  shimPath: string;
  /** Absent for a spare shim, which learns its task's id at Create. */
  id?: string;
  /** A shim host for many tasks (`ce-shim --host`, decision 0029). */
  host?: boolean;
  socket: string;
  runtimeRoot: string;
  logPath: string;
  logLevel: string;
}

/**
 * Starts a ce-shim in its own session, so it outlives this process, and
 * resolves once it listens (it writes its pid to a ready pipe).
 */
export async function spawnShim(options: SpawnShimOptions): Promise<ShimProcess> {
  const logFd = openSync(options.logPath, 'a', 0o640);
  const child = (() => {
    try {
      return spawn(
        process.execPath,
        [
          // One V8 worker thread instead of four: ~0.45 MB less PSS per shim, start
          // unchanged (decision 0029). Not 0, which means "one per core but one".
          '--v8-pool-size=1',
          options.shimPath,
          ...(options.id ? ['--id', options.id] : []),
          ...(options.host ? ['--host'] : []),
          '--socket', options.socket,
          '--runtime-root', options.runtimeRoot,
          '--log', options.logPath,
          '--log-level', options.logLevel,
          '--ready-fd', '3',
        ],
        { detached: true, stdio: ['ignore', logFd, logFd, 'pipe'] },
      );
    } finally {
      closeSync(logFd);
    }
  })();
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  const ready = child.stdio[3] as Readable;
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      ready.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve();
      });
      ready.on('close', () => {
        if (text.includes('\n')) return resolve();
        reject(new Error(`ce-shim (${options.socket}) exited before it was ready: ${firstError(options.logPath)}`));
      });
      child.once('error', reject);
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    ready.destroy();
  }
  child.unref();
  return {
    pid: child.pid!,
    exited,
    get running() {
      return running;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** The line of the shim's log that says what went wrong (Node prints a stack after it). */
function firstError(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return '(no log)';
  }
  const lines = text.split('\n');
  const error = lines.find((l) => /^(\w*Error|ce-shim:)/.test(l) || /"level":(50|60)/.test(l));
  return error ?? (lines.slice(-3).join(' | ') || '(empty log)');
}
