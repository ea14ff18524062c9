import { asCeError, CeError, invalidArgument, unary } from '@ce/protocol';
import type { StartContainerResponse, StopContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** `t`, the seconds a stop waits before SIGKILL; absent: the container's own stop timeout. */
function stopTimeout(ctx: RequestContext): number | undefined {
  return ctx.query.has('t') && ctx.query.get('t') !== '' ? ctx.queryInt('t', 0) : undefined;
}

/**
 * dockerd's kill reply names the container the client gave; a bad signal
 * is refused as it is (400 "Invalid signal: X").
 */
function killError(ref: string, err: unknown): CeError {
  const ce = asCeError(err);
  if (ce.code === 'InvalidArgument') return ce;
  return new CeError(ce.code, `Cannot kill container: ${ref}: ${ce.message}`);
}

/**
 * The container's state changes: start and stop (204, or 304 when it was
 * already so), restart, kill, pause, unpause, remove, rename and resize, each
 * ced's own call with Docker's replies and words.
 */
export function registerContainerLifecycle(router: Router): void {
  router.post('/containers/{id}/start', async (ctx) => {
    const body = await ctx.jsonBody<unknown>();
    if (body !== null && typeof body === 'object' && Object.keys(body).length > 0) {
      throw invalidArgument('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
    }
    const res = await unary<StartContainerResponse>((cb) => ctx.engine.containers.start({ id: ctx.param('id') }, cb));
    ctx.empty(res.alreadyStarted ? 304 : 204);
  });
  router.post('/containers/{id}/stop', async (ctx) => {
    const res = await unary<StopContainerResponse>((cb) => ctx.engine.containers.stop({ id: ctx.param('id'), timeout: stopTimeout(ctx) }, cb));
    ctx.empty(res.alreadyStopped ? 304 : 204);
  });
  router.post('/containers/{id}/restart', async (ctx) => {
    await unary((cb) => ctx.engine.containers.restart({ id: ctx.param('id'), timeout: stopTimeout(ctx) }, cb));
    ctx.empty(204);
  });
  router.post('/containers/{id}/kill', async (ctx) => {
    const id = ctx.param('id');
    try {
      await unary((cb) => ctx.engine.containers.kill({ id, signal: ctx.query.get('signal') ?? '' }, cb));
    } catch (err) {
      throw killError(id, err);
    }
    ctx.empty(204);
  });
  router.post('/containers/{id}/pause', async (ctx) => {
    await unary((cb) => ctx.engine.containers.pause({ id: ctx.param('id') }, cb));
    ctx.empty(204);
  });
  router.post('/containers/{id}/unpause', async (ctx) => {
    await unary((cb) => ctx.engine.containers.unpause({ id: ctx.param('id') }, cb));
    ctx.empty(204);
  });
  router.delete('/containers/{id}', async (ctx) => {
    // Legacy links (docker rm --link) are not part of ce's container model.
    if (ctx.queryBool('link')) throw invalidArgument('ce has no legacy container links to remove (docker rm --link)');
    await unary((cb) => ctx.engine.containers.remove({ id: ctx.param('id'), force: ctx.queryBool('force'), removeVolumes: ctx.queryBool('v') }, cb));
    ctx.empty(204);
  });
  router.post('/containers/{id}/rename', async (ctx) => {
    await unary((cb) => ctx.engine.containers.rename({ id: ctx.param('id'), name: ctx.query.get('name') ?? '' }, cb));
    ctx.empty(204);
  });
  router.post('/containers/{id}/resize', async (ctx) => {
    const height = ctx.queryInt('h', 0);
    const width = ctx.queryInt('w', 0);
    if (height < 0 || width < 0) throw invalidArgument(`invalid terminal size ${width}x${height}`);
    await unary((cb) => ctx.engine.containers.resize({ id: ctx.param('id'), execId: '', width, height }, cb));
    ctx.empty(200);
  });
}
