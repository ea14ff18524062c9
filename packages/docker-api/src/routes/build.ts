// POST /build: ce has no image builder yet (issue 13). The context is read to
// its end first, so that the client (which is still sending it) sees the
// reply, and the docker CLI prints its message.
import { CeError } from '@ce/protocol';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

async function build(ctx: RequestContext): Promise<void> {
  for await (const chunk of ctx.req) void chunk;
  throw new CeError('Unimplemented', 'ce has no image builder yet (issue 13)');
}

export function registerBuildRoutes(router: Router): void {
  router.post('/build', build);
}
