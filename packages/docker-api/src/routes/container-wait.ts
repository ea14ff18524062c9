import { fromServiceError, unary, type CeError } from '@ce/protocol';
import { WaitCondition, type WaitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ServiceError } from '@grpc/grpc-js';
import type { Router } from '../router.js';

/** Docker's conditions; dockerd takes any other word as a wait for the next stop, as next-exit does. */
const CONDITIONS: Record<string, WaitCondition> = {
  '': WaitCondition.WAIT_CONDITION_NOT_RUNNING,
  'not-running': WaitCondition.WAIT_CONDITION_NOT_RUNNING,
  'next-exit': WaitCondition.WAIT_CONDITION_NEXT_EXIT,
  removed: WaitCondition.WAIT_CONDITION_REMOVED,
};

/**
 * POST /containers/{id}/wait?condition=: as dockerd, an unknown container is
 * a 404, then the 200 and its headers go at once and the body
 * ({StatusCode, Error}) follows when the condition is met. The docker CLI
 * waits for those headers before it starts a container it runs, so the
 * wait must already be in ced's hands then: the wait is made before the
 * headers go (in ced's process it is registered before any later request is
 * read; over ce.sock, ced's calls on the one channel arrive in order).
 */
export function registerContainerWait(router: Router): void {
  router.post('/containers/{id}/wait', async (ctx) => {
    const id = ctx.param('id');
    await unary((cb) => ctx.engine.containers.inspect({ id, omitJson: true }, cb));
    const condition = CONDITIONS[ctx.query.get('condition') ?? ''] ?? WaitCondition.WAIT_CONDITION_NEXT_EXIT;
    let settle!: (result: { res?: WaitContainerResponse; err?: CeError }) => void;
    const settled = new Promise<{ res?: WaitContainerResponse; err?: CeError }>((resolve) => (settle = resolve));
    const call = ctx.engine.containers.wait({ id, condition }, (err: ServiceError | null, res?: WaitContainerResponse) => settle(err ? { err: fromServiceError(err) } : { res }));
    const reply = ctx.reply();
    reply.on('close', () => {
      if (!reply.writableFinished) call.cancel();
    });
    reply.writeHead(200, { 'Content-Type': 'application/json' });
    reply.flushHeaders();
    const { res, err } = await settled;
    if (reply.destroyed) return;
    // A failure after the headers (the container went away unexpectedly) can only be told in the body, as dockerd does.
    const body = err ? { Error: { Message: err.message }, StatusCode: -1 } : { Error: res!.error ? { Message: res!.error } : null, StatusCode: res!.exitCode };
    reply.end(`${JSON.stringify(body)}\n`);
  });
}
