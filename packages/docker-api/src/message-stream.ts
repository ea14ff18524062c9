import { asCeError } from '@ce/protocol';
import { errorMessage, jsonMessageLine, type JsonMessage } from './json-message.js';
import type { RequestContext } from './request-context.js';

/** The messages of one streamed reply; the reply begins with the first of them. */
export interface MessageStream {
  write(message: JsonMessage): void;
  readonly started: boolean;
}

/**
 * Runs `produce` with a stream of JSON messages on the reply, as dockerd's
 * image handlers do: the 200 and its `application/json` go out with the
 * first message, so a failure before any message is a plain error reply
 * (404 for an unknown manifest, 400 for a bad name), and a failure after it is
 * an `{"errorDetail", "error"}` message at the end of the stream, which the
 * docker CLI prints. `startAtOnce` begins the stream before `produce` runs.
 */
export async function streamMessages(ctx: RequestContext, produce: (out: MessageStream) => Promise<void>, options: { startAtOnce?: boolean } = {}): Promise<void> {
  const res = ctx.reply();
  let started = false;
  const start = () => {
    if (started) return;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    started = true;
  };
  const out: MessageStream = {
    get started() {
      return started;
    },
    write(message) {
      start();
      res.write(jsonMessageLine(message));
    },
  };
  // docker load's stream begins before the archive is read: its errors are messages.
  if (options.startAtOnce) start();
  try {
    await produce(out);
  } catch (err) {
    if (!out.started) throw err;
    ctx.logger.debug({ err: asCeError(err).message, path: ctx.req.url }, 'docker api stream ended with an error');
    res.write(jsonMessageLine(errorMessage(asCeError(err).message)));
  }
  res.end();
}
