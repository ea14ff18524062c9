import { readStream } from '@ce/protocol';
import { LogStream, type LogsResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Engine } from '../engine.js';
import type { StreamChoice } from './logs-query.js';
import type { OutputSink } from './output-sink.js';
import { logLines } from './log-lines.js';

/** An attach's `logs=1`: the container's whole log so far, on the streams asked for, before the live output. */
export async function replayLogs(engine: Engine, id: string, streams: StreamChoice, sink: OutputSink): Promise<void> {
  const call = engine.containers.logs({ id, follow: false, since: '', until: '', tail: -1, timestamps: false, details: false });
  for await (const entry of readStream<LogsResponse>(call)) {
    if (sink.closed) break;
    const stream = entry.stream === LogStream.LOG_STREAM_STDERR ? 'stderr' : 'stdout';
    if (streams[stream]) for (const line of logLines(entry.data)) await sink.write({ stream, data: line });
  }
}
