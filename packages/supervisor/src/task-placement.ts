import { isCeError } from '@ce/protocol';
import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { taskLogSettings, whyNotMonitored } from '@ce/shim';

/**
 * Why a task cannot be carried by the shim host (decision 0029) and needs a
 * shim of its own, or undefined when its ce-monitor can hold it. The host only
 * adopts, after a restart, the tasks under a monitor; a task it ran in its own
 * process would end with it. The rule is the shim's own (whyNotMonitored).
 */
export function needsOwnShim(req: CreateTaskRequest, monitorDir: string): string | undefined {
  let logging;
  try {
    logging = taskLogSettings(req);
  } catch (err) {
    // The host refuses the create with the same words, and no process is started for it.
    if (isCeError(err, 'InvalidArgument')) return undefined;
    throw err;
  }
  return whyNotMonitored(req, logging, monitorDir);
}
