import type { CreateTaskRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { whyNotMonitored } from '@ce/shim';

/**
 * Why a task cannot be carried by the shim host (decision 0029) and needs a
 * shim of its own, or undefined when its ce-monitor can hold it. The host only
 * adopts, after a restart, the tasks under a monitor; a task it ran in its own
 * process would end with it. The rule is the shim's own (whyNotMonitored). A
 * log config the shim refuses goes to the host, which refuses it without a
 * process started for it.
 */
export function needsOwnShim(req: CreateTaskRequest, monitorDir: string): string | undefined {
  return whyNotMonitored(req, monitorDir);
}
