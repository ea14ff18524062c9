import { unary } from '@ce/protocol';
import type { ListVolumesResponse, PruneVolumesResponse, Volume } from '@ce/protocol/gen/ce/api/v1/volumes';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { dockerVolume, inDockerWords, volumeCreateRequest, volumeFilters } from '../translate/volumes.js';

async function inspectVolume(ctx: RequestContext): Promise<void> {
  const name = ctx.param('name');
  const volume = await unary<Volume>((cb) => ctx.engine.volumes.inspect({ name }, cb)).catch((err: unknown) => {
    throw inDockerWords(name, err);
  });
  ctx.json(200, dockerVolume(volume));
}

/** DELETE /volumes/{name}: force only makes a missing volume no error; a volume in use is a 409 even so (ced's rule, dockerd's). */
async function removeVolume(ctx: RequestContext): Promise<void> {
  const name = ctx.param('name');
  await unary((cb) => ctx.engine.volumes.remove({ name, force: ctx.queryBool('force') }, cb)).catch((err: unknown) => {
    throw inDockerWords(name, err);
  });
  ctx.empty(204);
}

/** The volume endpoints: docker volume create/ls/inspect/rm/prune. */
export function registerVolumeRoutes(router: Router): void {
  router.get('/volumes', async (ctx) => {
    const filters = volumeFilters(ctx.queryFilters());
    const listed = await unary<ListVolumesResponse>((cb) => ctx.engine.volumes.list({ filters }, cb));
    ctx.json(200, { Volumes: listed.volumes.map(dockerVolume), Warnings: listed.warnings.length ? listed.warnings : null });
  });
  router.post('/volumes/create', async (ctx) => {
    const request = volumeCreateRequest(await ctx.jsonBody<unknown>());
    const volume = await unary<Volume>((cb) => ctx.engine.volumes.create(request, cb));
    ctx.json(201, dockerVolume(volume));
  });
  router.post('/volumes/prune', async (ctx) => {
    const filters = volumeFilters(ctx.queryFilters());
    const pruned = await unary<PruneVolumesResponse>((cb) => ctx.engine.volumes.prune({ filters }, cb));
    ctx.json(200, { VolumesDeleted: pruned.volumesDeleted, SpaceReclaimed: Number(pruned.spaceReclaimed) });
  });
  router.get('/volumes/{name}', inspectVolume);
  router.delete('/volumes/{name}', removeVolume);
}
