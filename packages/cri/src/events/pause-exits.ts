// Follows ced's supervisor's task events for the pause processes that exit on
// their own (killed from outside, the OOM killer): containerd's CRI plugin
// watches its sandbox tasks' exits the same way and sends CONTAINER_STOPPED.
// The stream relays every task's events, so only the exits of sandboxes the
// CRI holds are passed on. When it breaks (ced's supervisor restarted), it
// subscribes again with a backoff and asks for a check of the pauses, since
// an exit may have gone by meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';

const RESUBSCRIBE_FIRST_MS = 100;
const RESUBSCRIBE_MAX_MS = 5000;

export interface PauseExitsOptions {
  /** The supervisor's event stream (ce.supervisor.v1 Events), ending when `signal` aborts. */
  events: (signal: AbortSignal) => AsyncIterable<TaskEvent>;
  /** Whether task `id` is a pause the CRI holds. */
  isPause: (id: string) => boolean;
  onExit: (id: string) => void;
  /** After a new subscription replaced a broken one. */
  onResubscribed: () => void;
  logger?: Pick<Logger, 'warn'>;
}

export function followPauseExits(options: PauseExitsOptions): { close(): void } {
  const stop = new AbortController();
  void (async () => {
    let delay = RESUBSCRIBE_FIRST_MS;
    let resubscribed = false;
    while (!stop.signal.aborted) {
      try {
        const stream = options.events(stop.signal);
        if (resubscribed) options.onResubscribed();
        for await (const event of stream) {
          delay = RESUBSCRIBE_FIRST_MS;
          // An exec's exit is not the pause's.
          if (event.exit && !event.exit.execId && options.isPause(event.id)) options.onExit(event.id);
        }
        if (stop.signal.aborted) return;
        options.logger?.warn({}, "ced's supervisor ended its event stream; subscribing again");
      } catch (err) {
        if (stop.signal.aborted) return;
        options.logger?.warn({ err: (err as Error).message, retryMs: delay }, "lost ced's supervisor event stream; subscribing again");
      }
      resubscribed = true;
      await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, RESUBSCRIBE_MAX_MS);
    }
  })();
  return { close: () => stop.abort() };
}
