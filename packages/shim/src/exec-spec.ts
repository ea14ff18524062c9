import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import type * as shim from '@ce/protocol/gen/ce/shim/v1/shim';
import type { Process } from '@ce/runtime/spec';

/**
 * The process of an exec, as containerd's shim builds it: the container's
 * own process from the bundle (capabilities, rlimits, no-new-privileges,
 * apparmor) with the request's args, env, user, cwd and terminal in place.
 */
export function execProcessSpec(base: Process, req: shim.ExecProcessRequest): Process {
  if (req.args.length === 0) throw invalidArgument(`exec ${req.execId}: args must not be empty`);
  if (req.cwd && !req.cwd.startsWith('/')) throw invalidArgument(`exec ${req.execId}: cwd ${req.cwd} is not an absolute path`);
  const p: Process = structuredClone(base);
  p.args = [...req.args];
  delete p.commandLine;
  p.env = [...req.env];
  p.cwd = req.cwd || base.cwd || '/';
  p.user = { uid: req.uid, gid: req.gid, ...(req.additionalGids.length ? { additionalGids: [...req.additionalGids] } : {}) };
  p.terminal = req.terminal;
  if (req.terminal && req.consoleSize && req.consoleSize.width > 0 && req.consoleSize.height > 0) {
    p.consoleSize = { width: req.consoleSize.width, height: req.consoleSize.height };
  } else delete p.consoleSize;
  return p;
}

/** The process of the bundle's config.json. */
export async function bundleProcess(bundle: string): Promise<Process> {
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process?: Process };
  return spec.process ?? { cwd: '/', user: { uid: 0, gid: 0 } };
}
