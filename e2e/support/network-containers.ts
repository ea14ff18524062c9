// The busybox containers of the network e2e tests and what is asked of them:
// `ce` against the test daemon, a file served over HTTP, wget and nslookup
// from inside, and the address leases the daemon recorded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ce, type CeResult } from './ce.js';
import type { TestDaemon } from './daemon.js';
import { poll } from './network-probes.js';

/** A busybox command serving /www/file ("hello from <hostname>") on port 80. */
export const SERVE_FILE = ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/file && exec httpd -f -p 80 -h /www'];

/**
 * For containers that look up names expected to be unknown: with its own
 * ndots, the embedded DNS answers a single-label name that is no container's
 * itself instead of forwarding it to the host's resolvers, so that no test
 * name ever leaves the machine.
 */
export const NO_FORWARD = ['--dns-option', 'ndots:1'];

export interface NetworkContainers {
  run(args: string[]): Promise<CeResult>;
  /** Runs `ce`, expecting success without a word on stderr; its stdout. */
  ok(args: string[]): Promise<string>;
  /** `ce run -d …`: the container's id, recorded for the leak checks. */
  runDetached(args: string[]): Promise<string>;
  /** One `wget` from inside a container, bounded by busybox's timeout (busybox 1.35's `wget -T` crashes). */
  wget(container: string, url: string, timeoutS?: number): Promise<CeResult>;
  /** `wget` from inside a container until it answers (bounded): the body. */
  wgetBody(container: string, url: string): Promise<string>;
  /** busybox nslookup's addresses for `name` (none when it does not resolve), bounded by busybox's timeout. */
  lookup(container: string, name: string): Promise<{ code: number; addresses: string[] }>;
  /** The addresses a network's IPAM has handed out, with their owners, as recorded on disk. */
  leases(networkId: string): Record<string, string>;
}

export function networkContainers(daemon: () => TestDaemon, ids: string[]): NetworkContainers {
  const run = (args: string[]) => ce(args, { socket: daemon().socket });
  const ok = async (args: string[]) => {
    const r = await run(args);
    expect(r, `ce ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return r.stdout;
  };
  const wget = (container: string, url: string, timeoutS = 3) => run(['exec', container, 'timeout', String(timeoutS), 'wget', '-qO-', url]);
  return {
    run,
    ok,
    async runDetached(args) {
      const id = (await ok(['run', '-d', ...args])).trim();
      ids.push(id);
      return id;
    },
    wget,
    wgetBody: (container, url) =>
      poll(async () => {
        const r = await wget(container, url);
        if (r.code !== 0) throw new Error(`wget ${url} from ${container}: ${r.code} ${r.stderr}`);
        return r.stdout;
      }),
    async lookup(container, name) {
      const r = await run(['exec', container, 'timeout', '10', 'nslookup', name]);
      const answer = r.stdout.split(/\nName:\s*/).slice(1).join('\n');
      return { code: r.code, addresses: [...answer.matchAll(/Address(?: \d+)?:\s*([\d.]+)/g)].map((m) => m[1]!) };
    },
    leases(networkId) {
      const file = join(daemon().root, 'network', 'ipam', `${networkId}.json`);
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { leases: Record<string, string> }).leases : {};
    },
  };
}
