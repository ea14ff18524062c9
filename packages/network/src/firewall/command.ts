// Runs the packet filter's tools, in ced's network namespace or, with
// `netns`, inside a pinned one (nsenter --net), so tests program a namespace
// of their own and never the host's tables.
import { spawn } from 'node:child_process';
import { internal } from '@ce/protocol/errors';

export interface CommandRunner {
  /** Runs argv[0] with the rest as arguments, `input` on stdin; the stdout, or an error with the stderr. */
  run(argv: readonly string[], input?: string): Promise<string>;
}

export function commandRunner(netns?: string): CommandRunner {
  return {
    run(argv, input) {
      const full = netns ? ['nsenter', `--net=${netns}`, '--', ...argv] : [...argv];
      return new Promise((resolve, reject) => {
        const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', (e) => reject(internal(`${argv[0]}: ${e.message}`, e)));
        child.on('close', (code, signal) => {
          if (code === 0) return resolve(Buffer.concat(out).toString());
          const why = Buffer.concat(err).toString().trim() || `exit ${code ?? signal}`;
          reject(internal(`${argv.join(' ')} failed: ${why}`));
        });
        child.stdin.on('error', () => {});
        child.stdin.end(input ?? '');
      });
    },
  };
}
