import { dockerEventJson, fromServiceError, toDockerMessage } from '@ce/protocol';
import type { Event } from '@ce/protocol/gen/ce/api/v1/events';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { filterPairs } from '../translate/body-fields.js';

/** Settles when ced took the subscription (its headers came) or refused it. */
function accepted(call: ClientReadableStream<Event>): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: ServiceError) => {
      call.off('metadata', onMetadata).off('error', settle);
      if (err) reject(fromServiceError(err));
      else resolve();
    };
    const onMetadata = () => settle();
    call.once('metadata', onMetadata).once('error', settle);
  });
}

/**
 * GET /events: dockerd's stream of JSON messages, one a line. The headers go
 * out as soon as ced accepts the query (bad bounds are a 400 before them);
 * the stream ends at `until`, or when the client goes.
 */
async function streamEvents(ctx: RequestContext): Promise<void> {
  const call = ctx.engine.events.subscribe({ since: ctx.query.get('since') ?? '', until: ctx.query.get('until') ?? '', filters: filterPairs(ctx.queryFilters()) });
  const res = ctx.reply();
  const cancel = () => call.cancel();
  res.on('close', cancel);
  try {
    await accepted(call);
  } catch (err) {
    res.off('close', cancel);
    throw err;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    call.on('data', (event: Event) => {
      if (!res.write(dockerEventJson(toDockerMessage(event)))) {
        call.pause();
        res.once('drain', () => call.resume());
      }
    });
    // A stream that fails midway (ced gone, a reader too slow) ends as dockerd's does: the connection closes.
    call.on('error', (err: ServiceError) => {
      if (!res.writableEnded) ctx.logger.debug({ err: err.message }, 'docker api events stream ended by an error');
      res.end();
      resolve();
    });
    call.on('end', () => {
      res.end();
      resolve();
    });
  });
  res.off('close', cancel);
}

export function registerEventRoutes(router: Router): void {
  router.get('/events', streamEvents);
}
