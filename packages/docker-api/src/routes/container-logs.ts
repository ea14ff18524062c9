import { readStream } from '@ce/protocol';
import { LogStream, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { containerFacts } from '../streams/container-facts.js';
import { logsQuery } from '../streams/logs-query.js';
import { OutputSink } from '../streams/output-sink.js';
import { logLines } from '../streams/log-lines.js';

/**
 * GET /containers/{id}/logs: ced's Logs (as `ce logs` reads it), stdcopy
 * frames without a TTY and raw bytes with one; with follow, until the
 * container stops or the client goes.
 */
async function containerLogs(ctx: RequestContext): Promise<void> {
  const { request, streams } = logsQuery(ctx, ctx.param('id'));
  const container = await containerFacts(ctx.engine, request.id);
  const call = ctx.engine.containers.logs({ ...request, id: container.id });
  const res = ctx.reply();
  res.once('close', () => call.cancel());
  const entries = readStream<LogsResponse>(call)[Symbol.asyncIterator]();
  // Without follow the log is read at once: its first entry (or failure) decides the status, and the headers go out
  // with it. A followed log may stay silent for long, and its client waits for the headers: they go now, as dockerd
  // flushes them.
  const first = request.follow ? undefined : await entries.next();
  res.writeHead(200, {});
  if (request.follow) res.flushHeaders();
  const sink = new OutputSink(res, !container.tty);
  const write = async (entry: LogsResponse) => {
    const stream = entry.stream === LogStream.LOG_STREAM_STDERR ? 'stderr' : 'stdout';
    if (streams[stream]) for (const line of logLines(entry.data)) await sink.write({ stream, data: line });
  };
  try {
    if (first && !first.done) await write(first.value);
    if (!first?.done) for (let next = await entries.next(); !next.done && !sink.closed; next = await entries.next()) await write(next.value);
  } catch (err) {
    // The client went away (and the read was cancelled): nobody to tell.
    if (sink.closed) return;
    throw err;
  }
  res.end();
}

export function registerContainerLogsRoutes(router: Router): void {
  router.get('/containers/{id}/logs', containerLogs);
}
