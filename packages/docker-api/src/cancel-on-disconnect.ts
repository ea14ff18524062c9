import type { RequestContext } from './request-context.js';

/**
 * Cancels a call to ced when the client goes away before its reply is whole
 * (a `docker pull` stopped with ^C), as dockerd cancels the request's
 * context. The reply's own 'close' is watched: the request's fires as soon as
 * its body has been read. Returns the function that stops watching.
 */
export function cancelOnDisconnect(ctx: RequestContext, call: { cancel(): void }): () => void {
  const res = ctx.reply();
  const onClose = () => {
    if (!res.writableFinished) call.cancel();
  };
  res.once('close', onClose);
  return () => res.off('close', onClose);
}
