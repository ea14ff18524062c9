// POST /images/{name}/push?tag=: ced's push (the call `ce push` makes), with
// dockerd's streamed JSON messages; no tag pushes every tag of the repository,
// one after the other, as dockerd does.
import { invalidArgument, readStream, unary } from '@ce/protocol';
import { parseReference } from '@ce/protocol/reference';
import type { ListImagesResponse, PushResponse, RegistryAuth } from '@ce/protocol/gen/ce/images/v1/images';
import { cancelOnDisconnect } from '../cancel-on-disconnect.js';
import { streamMessages, type MessageStream } from '../message-stream.js';
import { authConfigFromJson, registryAuthFromHeader } from '../registry-auth-header.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { writeProgress } from './image-create.js';

/**
 * The credentials of a push: the X-Registry-Auth header, or (dockerd's older
 * form) an AuthConfig body; neither is a 400 with dockerd's words.
 */
async function pushAuth(ctx: RequestContext): Promise<RegistryAuth | undefined> {
  const header = ctx.req.headers['x-registry-auth'];
  if (header) return registryAuthFromHeader(header);
  const body = await ctx.jsonBody<unknown>().catch((err: Error) => {
    throw invalidArgument(`Bad parameters and missing X-Registry-Auth: ${err.message}`);
  });
  if (typeof body !== 'object' || body === null || Object.keys(body).length === 0) throw invalidArgument('Bad parameters and missing X-Registry-Auth: EOF');
  const { auth } = authConfigFromJson(body);
  return auth.username || auth.password || auth.identityToken || auth.registryToken ? auth : undefined;
}

async function pushOne(ctx: RequestContext, out: MessageStream, reference: string, tag: string, auth: RegistryAuth | undefined): Promise<void> {
  const call = ctx.engine.images.push({ reference, auth });
  const stopWatching = cancelOnDisconnect(ctx, call);
  try {
    for await (const msg of readStream<PushResponse>(call)) {
      if (msg.progress) writeProgress(out, msg.progress);
      if (msg.result) {
        const size = Number(msg.result.size);
        out.write({ status: `${tag}: digest: ${msg.result.digest} size: ${size}` });
        out.write({ progressDetail: {}, aux: { Tag: tag, Digest: msg.result.digest, Size: size } });
      }
    }
  } finally {
    stopWatching();
  }
}

async function pushImage(ctx: RequestContext): Promise<void> {
  const name = ctx.param('name');
  const tag = ctx.query.get('tag') ?? '';
  const auth = await pushAuth(ctx);
  const repo = parseReference(name, { defaultTag: false });
  await streamMessages(ctx, async (out) => {
    out.write({ status: `The push refers to repository [${repo.name}]` });
    let tags = [tag];
    if (!tag) {
      const list = await unary<ListImagesResponse>((cb) => ctx.engine.images.list({}, cb));
      tags = list.images
        .map((i) => parseReference(i.name, { defaultTag: false }))
        .filter((r) => r.name === repo.name && r.tag !== undefined && r.digest === undefined)
        .map((r) => r.tag!)
        .sort();
      if (!tags.length) throw invalidArgument(`An image does not exist locally with the tag: ${repo.familiarName}`);
    }
    for (const t of tags) await pushOne(ctx, out, `${repo.name}:${t}`, t, auth);
  });
}

export function registerImagePushRoutes(router: Router): void {
  router.post('/images/{name*}/push', pushImage);
}
