import { join } from 'node:path';
import { LogConfigError, logSettings } from '@ce/protocol';
import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { IN_PROCESS_RUNTIME } from '@ce/shim';

/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;

/**
 * Why a task cannot be carried by the shim host (decision 0029) and needs a
 * shim of its own, or undefined when its ce-monitor can hold it. The host only
 * adopts, after a restart, the tasks under a monitor; a task it ran in its own
 * process would end with it. The monitor runs the in-process runtime only and
 * writes json-file logs uncompressed, the CRI format, or none; the same rules as the shim's
 * choice of a monitor (ShimTask's monitorOptions), where the host would
 * otherwise keep the task in process.
 */
export function needsOwnShim(req: CreateTaskRequest, monitorDir: string): string | undefined {
  if (req.runtime && req.runtime !== IN_PROCESS_RUNTIME) return `runtime ${req.runtime} is a runc-compatible binary`;
  if (Buffer.byteLength(join(monitorDir, `${req.id}.mon`)) > MAX_SOCKET_PATH) return 'its monitor socket path would be too long';
  if (!req.logPath || !req.logConfig) return undefined;
  // The kubelet's format: the monitor writes it and reopens the file on ReopenContainerLog.
  if (req.logConfig.type === 'cri') return undefined;
  let settings;
  try {
    settings = logSettings({ Type: req.logConfig.type, Config: req.logConfig.config });
  } catch (err) {
    // The host refuses the create with the same words, and no process is started for it.
    if (err instanceof LogConfigError) return undefined;
    throw err;
  }
  if (settings.driver === 'none' || (settings.driver === 'json-file' && !settings.compress)) return undefined;
  return settings.driver === 'json-file' ? 'compressed json-file rotation is written by the shim' : `the ${settings.driver} log driver is written by the shim`;
}
