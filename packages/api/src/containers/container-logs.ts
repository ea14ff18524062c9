import type { CallContext } from '@ce/protocol';
import { LogStream, type LogsRequest, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ContainerService } from './container-service.js';
import { parseApiTimestamp } from './log-time.js';
import { readJsonLog } from './logs.js';

/** ce.api.v1.Containers/Logs: the container's json-file log, followed only while the container runs (as Docker does). */
export async function* containerLogs(svc: ContainerService, req: LogsRequest, ctx: CallContext): AsyncGenerator<LogsResponse> {
  const source = svc.logSource(req.id);
  const chunks = readJsonLog(source.path, {
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
