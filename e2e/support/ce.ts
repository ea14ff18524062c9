import { spawn } from 'node:child_process';
import { ceBin } from './paths.js';

export interface CeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `ce` binary against a test daemon's socket. */
export function ce(args: string[], options: { socket: string; input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ceBin, '-H', options.socket, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ce ${args.join(' ')} timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
