import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CeResult } from './ce.js';

/** Debian's docker.io client (20.10, API 1.41), not another docker earlier in PATH. */
export const DOCKER_CLIENT = '/usr/bin/docker';
export const dockerClientMissing = existsSync(DOCKER_CLIENT) ? '' : `needs ${DOCKER_CLIENT} (apt-get install docker.io)`;

/** The Docker API socket a test daemon serves (ced's default: <state>/docker.sock). */
export const dockerSocketOf = (daemon: { state: string }) => join(daemon.state, 'docker.sock');

/**
 * Runs the real docker client (or another client of the Docker API: `program`,
 * e.g. docker-compose, run in `cwd`) with DOCKER_HOST at a test daemon's Docker API socket.
 */
export function dockerCli(
  args: string[],
  options: { daemon: { state: string; dir: string }; input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; program?: string; cwd?: string },
): Promise<CeResult> {
  const program = options.program ?? DOCKER_CLIENT;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DOCKER_HOST: `unix://${dockerSocketOf(options.daemon)}`, // A config folder in the daemon's, so that the user's ~/.docker (contexts, credentials) plays no part.
        DOCKER_CONFIG: join(options.daemon.dir, 'docker-config'), DOCKER_CLI_EXPERIMENTAL: 'disabled',
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
