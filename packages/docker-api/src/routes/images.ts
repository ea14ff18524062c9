// The images endpoints over ced's image store: list, inspect, history, tag,
// remove, prune and search (the streamed ones have modules of their own).
import { BUILD_CACHE_REPOSITORY, filterImages, invalidArgument, searchResultFilter, unary } from '@ce/protocol';
import { familiarReference } from '@ce/protocol/reference';
import type {
  ImageFilter,
  ImageHistoryResponse,
  InspectImageResponse,
  ListImagesResponse,
  PruneImagesResponse,
  RemoveImageResponse,
  SearchImagesResponse,
} from '@ce/protocol/gen/ce/images/v1/images';
import { historyItem, imageInspect, imageSummaries } from '../image-shapes.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

const filterPairs = (filters: Record<string, string[]>) => Object.entries(filters).flatMap(([key, values]) => values.map((value) => ({ key, value })));

/**
 * GET /images/json: one summary per image; `all` adds the build cache's step
 * images (dockerd's intermediate images, decision 0054); `digests` changes
 * nothing (RepoDigests are always there, as in dockerd 20.10).
 */
async function listImages(ctx: RequestContext): Promise<void> {
  const filters = ctx.queryFilters();
  const listed = await unary<ListImagesResponse>((cb) => ctx.engine.images.list({}, cb));
  const all = ctx.queryBool('all');
  const res = { images: listed.images.filter((i) => all || !familiarReference(i.name).startsWith(`${BUILD_CACHE_REPOSITORY}:`)) };
  // The API's older `filter` parameter is a reference filter, as dockerd reads it.
  const pairs = filterPairs(filters);
  const legacy = ctx.query.get('filter');
  if (legacy) pairs.push({ key: 'reference', value: legacy });
  const picked = filterImages(res.images, pairs, familiarReference);
  // A filtered image keeps all its names in RepoTags, as in Docker, unless a reference filter picked some.
  const names = pairs.some((p) => p.key === 'reference') ? picked : res.images.filter((i) => picked.some((p) => p.id === i.id));
  ctx.json(200, imageSummaries(names));
}

/** GET /images/{name}/json. */
async function inspectImage(ctx: RequestContext): Promise<void> {
  const reference = ctx.param('name');
  const [res, list] = await Promise.all([
    unary<InspectImageResponse>((cb) => ctx.engine.images.inspect({ reference }, cb)),
    unary<ListImagesResponse>((cb) => ctx.engine.images.list({}, cb)),
  ]);
  const size = list.images.find((i) => i.id === res.image!.id)?.size ?? res.image!.size;
  ctx.json(200, imageInspect(res, size));
}

/** GET /images/{name}/history: newest first. */
async function imageHistory(ctx: RequestContext): Promise<void> {
  const res = await unary<ImageHistoryResponse>((cb) => ctx.engine.images.history({ reference: ctx.param('name') }, cb));
  ctx.json(200, res.entries.map(historyItem));
}

/** POST /images/{name}/tag?repo=&tag=: 201 with no body. */
async function tagImage(ctx: RequestContext): Promise<void> {
  const repo = ctx.query.get('repo') ?? '';
  const tag = ctx.query.get('tag') ?? '';
  if (!repo) throw invalidArgument('invalid reference format');
  if (tag && !/^[\w][\w.-]{0,127}$/.test(tag)) throw invalidArgument('invalid tag format');
  await unary((cb) => ctx.engine.images.tag({ source: ctx.param('name'), target: tag ? `${repo}:${tag}` : repo }, cb));
  ctx.empty(201);
}

/** DELETE /images/{name}?force=&noprune=: what went, `[{"Untagged"}, {"Deleted"}]`. ced keeps no parent images, so noprune changes nothing. */
async function removeImage(ctx: RequestContext): Promise<void> {
  const res = await unary<RemoveImageResponse>((cb) => ctx.engine.images.remove({ reference: ctx.param('name'), force: ctx.queryBool('force') }, cb));
  ctx.json(200, [...res.untagged.map((name) => ({ Untagged: name })), ...res.deleted.map((id) => ({ Deleted: id }))]);
}

/** POST /images/prune?filters=: `dangling=false` is docker image prune -a; until and label pass on to ced's prune. */
async function pruneImages(ctx: RequestContext): Promise<void> {
  const filters = ctx.queryFilters();
  let all = false;
  const rest: ImageFilter[] = [];
  for (const { key, value } of filterPairs(filters)) {
    if (key === 'dangling') {
      if (!/^(true|false|1|0)$/i.test(value)) throw invalidArgument(`Invalid filter 'dangling=${value}'`);
      all = /^(false|0)$/i.test(value);
    } else rest.push({ key, value });
  }
  const res = await unary<PruneImagesResponse>((cb) => ctx.engine.images.prune({ all, filters: rest }, cb));
  const deleted = [...res.untagged.map((name) => ({ Untagged: name })), ...res.deleted.map((id) => ({ Deleted: id }))];
  ctx.json(200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: Number(res.reclaimedBytes) });
}

/** GET /images/search?term=&limit=: ced searches a registry's catalog (HOST[:PORT]/TERM). */
async function searchImages(ctx: RequestContext): Promise<void> {
  const term = ctx.query.get('term') ?? '';
  const limit = ctx.queryInt('limit', 25);
  if (limit < 1 || limit > 100) throw invalidArgument(`limit ${limit} is outside the range of [1, 100]`);
  const filters = filterPairs(ctx.queryFilters());
  const keep = searchResultFilter(filters);
  const res = await unary<SearchImagesResponse>((cb) => ctx.engine.images.search({ term, limit }, cb));
  ctx.json(
    200,
    res.results.filter(keep).map((r) => ({ description: r.description, is_official: r.isOfficial, is_automated: r.isAutomated, name: r.name, star_count: r.starCount })),
  );
}

export function registerImageRoutes(router: Router): void {
  router.get('/images/json', listImages);
  router.get('/images/search', searchImages);
  router.post('/images/prune', pruneImages);
  router.get('/images/{name*}/json', inspectImage);
  router.get('/images/{name*}/history', imageHistory);
  router.post('/images/{name*}/tag', tagImage);
  router.delete('/images/{name*}', removeImage);
}
