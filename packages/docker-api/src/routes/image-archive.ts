// docker save and docker load: GET /images/get?names= and
// /images/{name}/get stream ced's docker save tar; POST /images/load sends
// the body to ced's load, the calls `ce save` and `ce load` make.
import { invalidArgument, readStream, uploadStream } from '@ce/protocol';
import { familiarReference, parseReference } from '@ce/protocol/reference';
import type { LoadImagesRequest, LoadImagesResponse, SaveImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { cancelOnDisconnect } from '../cancel-on-disconnect.js';
import { streamMessages } from '../message-stream.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** The tar of the images, once ced has begun it: a name it does not know is a 404 before any byte. */
async function saveImages(ctx: RequestContext, references: string[]): Promise<void> {
  if (!references.length) throw invalidArgument('save needs at least one image');
  const call = ctx.engine.images.save({ references });
  const res = ctx.reply();
  cancelOnDisconnect(ctx, call);
  for await (const chunk of readStream<SaveImagesResponse>(call)) {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    if (!res.write(chunk.data)) await new Promise((resolve) => res.once('drain', resolve));
  }
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  res.end();
}

const isTagged = (name: string) => {
  try {
    return parseReference(name, { defaultTag: false }).tag !== undefined;
  } catch {
    return false;
  }
};

/** What docker load says of the loaded images: each tag, or the id of an image loaded with none. */
export function loadedLines(images: readonly { name: string; id: string }[]): string[] {
  const lines: string[] = [];
  for (const id of new Set(images.map((i) => i.id))) {
    const tags = images.filter((i) => i.id === id && isTagged(i.name)).map((i) => `Loaded image: ${familiarReference(i.name)}\n`);
    lines.push(...(tags.length ? tags : [`Loaded image ID: ${id}\n`]));
  }
  return lines;
}

/** POST /images/load: the body is the archive; `quiet` only hides progress bars, which ced's load has none of. */
async function loadImages(ctx: RequestContext): Promise<void> {
  await streamMessages(
    ctx,
    async (out) => {
      const res = await uploadStream<LoadImagesRequest, LoadImagesResponse>(ctx.engine.images.load(), ctx.req, () => ({ name: '' }), '');
      for (const stream of loadedLines(res.images)) out.write({ stream });
    },
    { startAtOnce: true },
  );
}

export function registerImageArchiveRoutes(router: Router): void {
  router.get('/images/get', (ctx) => saveImages(ctx, ctx.query.getAll('names')));
  router.get('/images/{name*}/get', (ctx) => saveImages(ctx, [ctx.param('name')]));
  router.post('/images/load', loadImages);
}
