import { unary } from '@ce/protocol';
import type { CreateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';
import { createContainerRequest } from './container-create-request.js';

/**
 * POST /containers/create?name=: 201 {Id, Warnings}. The errors are ced's,
 * in Docker's words: "No such image: busybox:latest" (404, which makes the
 * docker CLI pull and try again), a name in use (409), bad values (400).
 */
export function registerContainerCreate(router: Router): void {
  router.post('/containers/create', async (ctx) => {
    const request = createContainerRequest(ctx.query.get('name') ?? '', await ctx.jsonBody<unknown>());
    const created = await unary<CreateContainerResponse>((cb) => ctx.engine.containers.create(request, cb));
    ctx.json(201, { Id: created.id, Warnings: created.warnings });
  });
}
