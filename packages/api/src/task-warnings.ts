import type { Logger } from '@ce/protocol';
import type { SupervisorApi } from '@ce/supervisor';

/**
 * Writes the warnings shims send (a container's log cannot be written, and
 * when it is written again) to ced's log. Shims rate-limit them. Returns a
 * function that stops listening.
 */
export function logTaskWarnings(supervisor: SupervisorApi, logger: Logger): () => void {
  const stop = new AbortController();
  void (async () => {
    try {
      for await (const event of supervisor.events(stop.signal)) {
        if (event.warning) logger.warn({ container: event.id, kind: event.warning.kind }, event.warning.message);
      }
    } catch (err) {
      if (!stop.signal.aborted) logger.warn({ err }, 'no longer receiving task warnings from the supervisor');
    }
  })();
  return () => stop.abort();
}
