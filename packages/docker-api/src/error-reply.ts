import { asCeError, httpStatusOf } from '@ce/protocol';
import type { RequestContext } from './request-context.js';

/**
 * A failed request's reply, as dockerd's makeErrorHandler writes it: the
 * status of the error's code (404 no such object, 409 conflict, 304 nothing
 * to do, 400 bad parameter, 500 otherwise) and `{"message": ...}`. A reply
 * already under way (a stream) can only be cut.
 */
export function replyWithError(ctx: RequestContext, err: unknown): void {
  const status = httpStatusOf(err);
  const message = asCeError(err).message;
  if (status >= 500) ctx.logger.error({ err, path: ctx.req.url }, 'docker api request failed');
  else ctx.logger.debug({ status, message, path: ctx.req.url }, 'docker api request refused');
  if (ctx.replied) {
    ctx.abort();
    return;
  }
  if (status === 304) {
    ctx.empty(304);
    return;
  }
  ctx.json(status, { message });
}
