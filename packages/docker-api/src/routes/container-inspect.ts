import { unary } from '@ce/protocol';
import type { Container } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';
import { containerSizes } from './container-sizes.js';

/** GET /containers/{id}/json: ced's model is Docker's ContainerJSON already; size=1 adds SizeRw and SizeRootFs. */
export function registerContainerInspect(router: Router): void {
  router.get('/containers/{id}/json', async (ctx) => {
    const container = await unary<Container>((cb) => ctx.engine.containers.inspect({ id: ctx.param('id') }, cb));
    if (!ctx.queryBool('size')) {
      // ced wrote it with JSON.stringify: parsing and writing it again would give the same text.
      ctx.jsonText(200, container.json);
      return;
    }
    const json = JSON.parse(container.json) as Record<string, unknown>;
    if (ctx.queryBool('size')) {
      const size = (await containerSizes(ctx.engine, [container])).get(container.id)!;
      json.SizeRw = size.rw;
      json.SizeRootFs = size.rootFs;
    }
    ctx.json(200, json);
  });
}
