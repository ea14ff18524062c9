import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NAMESPACE_ANNOTATION, OWNER_ANNOTATION, OWNER_LABEL, type Logger } from '@ce/protocol';
import { Runtime } from '@ce/runtime';
import { unmountStale } from './stale-mounts.js';

/**
 * Ends what a dead shim left of its task, from the runtime's state on disk
 * (what `runc delete --force` does): SIGKILL to every process of the
 * container's cgroup, then its cgroup and state folder are removed, and the
 * rootfs the shim mounted in the bundle is unmounted. False when the runtime
 * has no state for `id` (nothing was left running).
 */
export async function endOrphanedTask(runtimeRoot: string, id: string, logger: Logger): Promise<boolean> {
  const dir = join(runtimeRoot, id);
  if (!existsSync(dir)) return false;
  const bundle = await bundleOf(dir);
  // Not a subreaper and tracking nothing: ced only ends what another process started.
  const runtime = new Runtime({ root: runtimeRoot, logger, trackExits: false });
  await runtime.delete(id, { force: true });
  if (bundle) await unmountStale(join(bundle, 'rootfs'), logger);
  return true;
}

/** The ids the runtime holds state for. */
export async function runtimeTaskIds(runtimeRoot: string): Promise<string[]> {
  const entries = await readdir(runtimeRoot, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function bundleOf(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { bundle?: string }).bundle;
  } catch {
    return undefined; // a create that died before writing its state
  }
}

/** A task's namespace and owner labels. */
export interface TaskOwnership {
  namespace: string;
  labels: Record<string, string>;
}

/**
 * The namespace and owner of a task whose shim is gone, from the spec in its
 * bundle (the runtime's state names the bundle); undefined when unknown.
 */
export async function runtimeTaskOwnership(runtimeRoot: string, id: string): Promise<TaskOwnership | undefined> {
  const bundle = await runtimeTaskBundle(runtimeRoot, id);
  if (!bundle) return undefined;
  try {
    const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    const namespace = spec.annotations?.[NAMESPACE_ANNOTATION];
    if (!namespace) return undefined;
    const owner = spec.annotations?.[OWNER_ANNOTATION];
    return { namespace, labels: owner ? { [OWNER_LABEL]: owner } : {} };
  } catch {
    return undefined;
  }
}

/** The bundle of a task the runtime holds state for. */
export function runtimeTaskBundle(runtimeRoot: string, id: string): Promise<string | undefined> {
  return bundleOf(join(runtimeRoot, id));
}
