// POST /commit: docker commit, by ced's commit (the call `ce commit` makes).
import { unary } from '@ce/protocol';
import type { CommitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

async function commit(ctx: RequestContext): Promise<void> {
  // The body is Docker's container Config (none from the docker CLI): ced merges it with the container's as dockerd does.
  const config = await ctx.jsonBody<unknown>();
  const configJson = config !== null && typeof config === 'object' && Object.keys(config).length > 0 ? JSON.stringify(config) : '';
  const repo = ctx.query.get('repo') ?? '';
  const tag = ctx.query.get('tag') ?? '';
  // dockerd pauses by default from API 1.13 on, unless `pause` says otherwise.
  const pause = ctx.query.get('pause') === null || ctx.query.get('pause') === '' ? true : ctx.queryBool('pause');
  const res = await unary<CommitContainerResponse>((cb) =>
    ctx.engine.containers.commit(
      {
        id: ctx.query.get('container') ?? '',
        reference: repo && tag ? `${repo}:${tag}` : repo,
        comment: ctx.query.get('comment') ?? '',
        author: ctx.query.get('author') ?? '',
        changes: ctx.query.getAll('changes'),
        pause,
        configJson,
      },
      cb,
    ),
  );
  ctx.json(201, { Id: res.id });
}

export function registerCommitRoutes(router: Router): void {
  router.post('/commit', commit);
}
