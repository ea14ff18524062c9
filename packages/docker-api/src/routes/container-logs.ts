import { readStream, type OutputChunk } from '@ce/protocol';
import { LogStream, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { containerFacts } from '../streams/container-facts.js';
import { logsQuery } from '../streams/logs-query.js';
import { OutputSink } from '../streams/output-sink.js';
import { logLines } from '../streams/log-lines.js';

/**
 * A log is gathered up to this size and, when it ends there, sent in one write with its headers (and a
 * Content-Length): a log of a few lines then costs one write on the socket instead of three (the headers and
 * first frames, each later batch, the chunked end). Past it, or once a followed log waits for new lines, the
 * reply goes on as a chunked stream.
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
  const gathered: Uint8Array[] = [];
  let size = 0;
  let streaming = false;
  const stream = () => {
    if (streaming) return;
    streaming = true;
    res.writeHead(200, {});
    if (size) res.write(Buffer.concat(gathered));
    else res.flushHeaders();
    gathered.length = 0;
  };
  // A followed log may stay silent for long, and its client waits for the headers (dockerd flushes them at
  // once): they go once what the log holds now is read, in this turn of the event loop, with those lines.
  const waiting = request.follow ? setImmediate(stream) : undefined;
  try {
    // A failure before the reply begins decides its status.
    for (let next = await entries.next(); !next.done && !sink.closed; next = await entries.next()) {
      const stdStream: OutputChunk['stream'] = next.value.stream === LogStream.LOG_STREAM_STDERR ? 'stderr' : 'stdout';
      if (!streams[stdStream]) continue;
      for (const data of logLines(next.value.data)) {
        if (streaming) {
          await sink.write({ stream: stdStream, data });
          continue;
        }
        const bytes = sink.bytes({ stream: stdStream, data });
        gathered.push(bytes);
        size += bytes.length;
      }
      if (size > GATHERED_MAX) stream();
    }
  } catch (err) {
    // The client went away (and the read was cancelled): nobody to tell.
    if (sink.closed) return;
    throw err;
  } finally {
    clearImmediate(waiting);
  }
  if (streaming) {
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Length': String(size) });
  // As a latin1 string (the bytes as they are), Node sends the body with its headers in one write; a Buffer goes
  // after them through the socket's cork and writev, ~0.1 ms more of a cold request's CPU (0058's api-edge addendum).
  res.end(Buffer.concat(gathered).toString('latin1'), 'latin1');
}

export function registerContainerLogsRoutes(router: Router): void {
  router.get('/containers/{id}/logs', containerLogs);
}
