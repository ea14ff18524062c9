import { readStream, type OutputChunk } from '@ce/protocol';
import { LogStream, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { containerFacts } from '../streams/container-facts.js';
import { logsQuery } from '../streams/logs-query.js';
import { OutputSink } from '../streams/output-sink.js';
import { logLines } from '../streams/log-lines.js';

/**
 * A log read without follow is gathered up to this size and sent in one write with its headers (and a
 * Content-Length): a log of a few lines then costs one write on the socket instead of three (headers and
 * first frames, each later batch, the chunked end). A longer one goes on as a chunked stream.
 */
const GATHERED_MAX = 64 * 1024;

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
  const sink = new OutputSink(res, !container.tty);
  const chunks = (entry: LogsResponse): OutputChunk[] => {
    const stream: OutputChunk['stream'] = entry.stream === LogStream.LOG_STREAM_STDERR ? 'stderr' : 'stdout';
    return streams[stream] ? logLines(entry.data).map((data) => ({ stream, data })) : [];
  };
  let next: IteratorResult<LogsResponse> | undefined;
  try {
    if (request.follow) {
      // A followed log may stay silent for long, and its client waits for the headers: they go now, as dockerd
      // flushes them.
      res.writeHead(200, {});
      res.flushHeaders();
    } else {
      // Read at once: a failure before the reply begins decides its status.
      const gathered: Uint8Array[] = [];
      let size = 0;
      for (next = await entries.next(); !next.done && size <= GATHERED_MAX; next = await entries.next()) {
        for (const chunk of chunks(next.value)) {
          const bytes = sink.bytes(chunk);
          if (bytes.length) gathered.push(bytes);
          size += bytes.length;
        }
      }
      if (next.done) {
        res.writeHead(200, { 'Content-Length': String(size) });
        res.end(Buffer.concat(gathered));
        return;
      }
      res.writeHead(200, {});
      res.write(Buffer.concat(gathered));
    }
    for (next = next ?? (await entries.next()); !next.done && !sink.closed; next = await entries.next()) {
      for (const chunk of chunks(next.value)) await sink.write(chunk);
    }
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
