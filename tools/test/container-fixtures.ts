// Helpers the integration tests of ce-monitor, the shim host and host mode share
// (decision 0029): bounded polls, process liveness, busybox bundles.
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec, type Spec } from '@ce/runtime/spec';

export const BUSYBOX = '/bin/busybox';

/** Polls `probe` (5 ms, doubling to 100 ms) until it returns something truthy; throws naming `what` after timeoutMs. */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** `<dir>/<name>`: a bundle whose rootfs holds busybox and `applets`, its config.json defaultSpec() running `args` (PATH=/bin). */
export function busyboxBundle(dir: string, name: string, args: string[], applets = ['sh', 'echo', 'cat', 'sleep', 'true'], mutate?: (s: Spec) => void): string {
  const bundle = join(dir, name);
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  for (const a of applets) symlinkSync('busybox', join(rootfs, 'bin', a));
  for (const d of ['proc', 'sys', 'dev', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
  const spec = defaultSpec();
  spec.process!.args = args;
  spec.process!.env = ['PATH=/bin'];
  mutate?.(spec);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}
