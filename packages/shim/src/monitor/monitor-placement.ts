// Which tasks ce-monitor can hold (decision 0029): the shim's own choice, and
// the supervisor's in host mode, where a task the monitor cannot hold needs a
// shim of its own (the host adopts after a restart only the tasks under a
// monitor). One rule for both, so they cannot drift apart.
import { join } from 'node:path';
import { invalidArgument, logSettings, LogConfigError, type LogSettings } from '@ce/protocol';
import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';

/**
 * sun_path holds 108 bytes with its terminating NUL (@ce/runtime's monitorArgs refuses longer; not imported
 * from there, as the supervisor in ced reads this module and must not load the runtime's native half).
 */
export const MONITOR_SOCKET_PATH_MAX = 107;

/** The runtime the shim runs in its own process (ce-runc's library); any other name is a runc-compatible binary. */
export const IN_PROCESS_RUNTIME = 'ce';

/** Docker's drivers, and the CRI's format (LogConfig type "cri", set by @ce/cri only: the kubelet rotates it). */
export type ShimLogSettings = Omit<LogSettings, 'driver'> & { driver: LogSettings['driver'] | 'cri' };

/** The task's log driver and options; no config means Docker's json-file without rotation. InvalidArgument for bad options. */
export function taskLogSettings(req: Pick<CreateTaskRequest, 'logConfig'>): ShimLogSettings {
  if (!req.logConfig) return { driver: 'json-file', maxSize: -1, maxFiles: 1, compress: false };
  if (req.logConfig.type === 'cri') {
    if (Object.keys(req.logConfig.config).length) throw invalidArgument('the cri log format takes no options');
    return { driver: 'cri', maxSize: -1, maxFiles: 1, compress: false };
  }
  try {
    return logSettings({ Type: req.logConfig.type, Config: req.logConfig.config });
  } catch (err) {
    if (err instanceof LogConfigError) throw invalidArgument(err.message);
    throw err;
  }
}

/** The task's monitor socket in `monitorDir`. */
export const monitorSocketPath = (monitorDir: string, id: string): string => join(monitorDir, `${id}.mon`);

/**
 * Why ce-monitor cannot hold the task, or undefined when it can: the monitor runs
 * the in-process runtime only (it writes every log driver: json-file and local,
 * rotated and compressed, the CRI format, or none).
 */
export function whyNotMonitored(req: Pick<CreateTaskRequest, 'id' | 'runtime'>, monitorDir: string): string | undefined {
  if (req.runtime && req.runtime !== IN_PROCESS_RUNTIME) return `runtime ${req.runtime} is a runc-compatible binary`;
  if (Buffer.byteLength(monitorSocketPath(monitorDir, req.id)) > MONITOR_SOCKET_PATH_MAX) return 'its monitor socket path would be too long';
  return undefined;
}
