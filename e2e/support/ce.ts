import { spawn } from 'node:child_process';
import { ceBin } from './paths.js';

export interface CeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, collecting its output; SIGKILLed (and an error) after `timeoutMs`. */
export function runProgram(
  program: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; label?: string },
): Promise<CeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label ?? program} ${args.join(' ')} timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the real `ce` binary against a test daemon's socket. */
export function ce(args: string[], options: { socket: string; input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CeResult> {
  return runProgram(process.execPath, [ceBin, '-H', options.socket, ...args], {
    input: options.input,
    timeoutMs: options.timeoutMs,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    label: 'ce',
  });
}

/** `ce run -d` of a busybox that sleeps for a day, for tests that exec into it; its id. */
export async function runSleepingBusybox(socket: string): Promise<string> {
  const run = await ce(['run', '-d', 'busybox', 'sleep', '100000'], { socket });
  if (run.code !== 0) throw new Error(`ce run failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** The command line of the real `ce` against a test daemon's socket, for spawning it yourself. */
export function ceArgv(socket: string, ...args: string[]): string[] {
  return [process.execPath, ceBin, '-H', socket, ...args];
}

/**
 * Runs `argv | head -n <lines>` in bash: `out` is what head printed, `err` the
 * command's stderr followed by "status:<its exit status>" (141 when SIGPIPE or
 * its like ended it).
 */
export function pipedToHead(argv: string[], lines: number, env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const script = `"$@" | head -n ${lines}; echo "status:\${PIPESTATUS[0]}" >&2`;
    const sh = spawn('bash', ['-c', script, 'bash', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
    sh.on('error', reject);
    sh.on('close', () => resolve({ out, err }));
  });
}
