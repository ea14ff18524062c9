// POST /commit: docker commit, by ced's commit (the call `ce commit` makes).
import { CeError, unary } from '@ce/protocol';
import type { CommitContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

async function commit(ctx: RequestContext): Promise<void> {
  const config = await ctx.jsonBody<unknown>();
  // The docker CLI and compose send no Config; ced's commit takes the container's own and `changes`.
  if (config !== null && typeof config === 'object' && Object.keys(config).length > 0) {
    throw new CeError('Unimplemented', 'ce does not take a Config body for a commit yet: give the changes as Dockerfile instructions (changes=)');
  }
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
      },
      cb,
    ),
  );
  ctx.json(201, { Id: res.id });
}

export function registerCommitRoutes(router: Router): void {
  router.post('/commit', commit);
}
