import { failedPrecondition, type CallContext } from '@ce/protocol';
import { LogStream, type LogsRequest, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ContainerService } from './container-service.js';
import { parseApiTimestamp } from './log-time.js';
import { readContainerLog } from './logs.js';

/** ce.api.v1.Containers/Logs: the container's log (json-file or local), followed only while the container runs (as Docker does). */
export async function* containerLogs(svc: ContainerService, req: LogsRequest, ctx: CallContext): AsyncGenerator<LogsResponse> {
  const source = svc.logSource(req.id);
  // Docker's words for a driver that keeps nothing to read (none).
  if (!source.file) throw failedPrecondition('configured logging driver does not support reading');
  const chunks = readContainerLog(source.file.path, source.file.driver, {
    since: parseApiTimestamp(req.since, 'since'),
    until: parseApiTimestamp(req.until, 'until'),
    tail: req.tail,
    timestamps: req.timestamps,
    details: req.details,
    stopped: req.follow ? source.stopped : undefined,
    signal: ctx.signal,
  });
  for await (const chunk of chunks) {
    yield { stream: chunk.stream === 'stdout' ? LogStream.LOG_STREAM_STDOUT : LogStream.LOG_STREAM_STDERR, data: chunk.data };
  }
}
