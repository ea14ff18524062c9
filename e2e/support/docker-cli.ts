import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram, type CeResult } from './ce.js';

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
  return runProgram(program, args, {
    cwd: options.cwd,
    input: options.input,
    timeoutMs: options.timeoutMs,
    env: {
      ...process.env,
      DOCKER_HOST: `unix://${dockerSocketOf(options.daemon)}`,
      // A config folder in the daemon's, so that the user's ~/.docker (contexts, credentials) plays no part.
      DOCKER_CONFIG: join(options.daemon.dir, 'docker-config'),
      DOCKER_CLI_EXPERIMENTAL: 'disabled',
      ...options.env,
    },
  });
}
