// POST /images/create: a pull (?fromImage=) or an import (?fromSrc=), with
// Docker's streamed JSON messages. Both are ced's own calls, the ones `ce
// pull` and `ce import` make.
import { Readable } from 'node:stream';
import { CeError, invalidArgument, readStream, unary, uploadStream } from '@ce/protocol';
import { familiarReference, parseReference, type Reference } from '@ce/protocol/reference';
import type { ImportImageRequest, ImportImageResponse, ListTagsResponse, Platform, PullResponse, PullResult } from '@ce/protocol/gen/ce/images/v1/images';
import { cancelOnDisconnect } from '../cancel-on-disconnect.js';
import { layerMessage } from '../json-message.js';
import { streamMessages, type MessageStream } from '../message-stream.js';
import { registryAuthFromHeader } from '../registry-auth-header.js';
import { asRegistryFailure } from '../registry-error.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** ?platform=os/arch[/variant], as dockerd's platforms.Parse takes it (here without its aliases). */
function parsePlatform(value: string | null): Platform | undefined {
  if (!value) return undefined;
  const [os, architecture, variant = '', ...rest] = value.split('/');
  if (!os || !architecture || rest.length) throw invalidArgument(`"${value}": unknown operating system or architecture: invalid argument`);
  return { os, architecture, variant };
}

/** fromImage and tag as one reference: a tag that is a digest pins the digest, as dockerd does. */
function pullReference(fromImage: string, tag: string): string {
  if (!tag) return fromImage;
  const bare = fromImage.replace(/@.*$/, '');
  return /^[a-z0-9]+:[a-f0-9]{32,}$/.test(tag) ? `${bare}@${tag}` : `${bare.replace(/:([^/:]*)$/, '')}:${tag}`;
}

async function pull(ctx: RequestContext, fromImage: string, tag: string): Promise<void> {
  const reference = pullReference(fromImage, tag);
  const ref = parseReference(reference, { defaultTag: false });
  const platform = parsePlatform(ctx.query.get('platform'));
  const auth = registryAuthFromHeader(ctx.req.headers['x-registry-auth']);
  // Neither tag nor digest: dockerd pulls every tag the registry lists, one after the other.
  const allTags = ref.tag === undefined && ref.digest === undefined;
  await streamMessages(ctx, async (out) => {
    try {
      const tags = allTags ? (await unary<ListTagsResponse>((cb) => ctx.engine.images.listTags({ repository: ref.name, auth }, cb))).tags.map((t) => ref.withTag(t)) : [ref];
      let updated = false;
      for (const one of tags) {
        const call = ctx.engine.images.pull({ reference: one.toString(), platform, auth });
        const stopWatching = cancelOnDisconnect(ctx, call);
        const result = await relayPull(out, call, one).finally(stopWatching);
        updated ||= result?.updated ?? false;
        if (!allTags && result) out.write({ status: `Status: ${result.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarReference(result.name)}` });
      }
      if (allTags) out.write({ status: `Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${ref.familiarName}` });
    } catch (err) {
      throw asRegistryFailure(err);
    }
  });
}

/** ced's pull messages in dockerd's words, up to the digest; the result. */
async function relayPull(out: MessageStream, call: AsyncIterable<unknown> & { cancel(): void }, ref: Reference): Promise<PullResult | undefined> {
  // dockerd says it is pulling once the registry answered with a manifest: ced's first message.
  let announced = false;
  let result: PullResult | undefined;
  for await (const msg of readStream<PullResponse>(call)) {
    if (!announced) out.write({ status: `Pulling from ${ref.path}`, id: ref.digest ? ref.toString() : ref.tag });
    announced = true;
    if (msg.progress) writeProgress(out, msg.progress);
    if (msg.result) {
      result = msg.result;
      out.write({ status: `Digest: ${msg.result.digest}` });
    }
  }
  return result;
}

/** A progress event of ced's as dockerd writes it: a layer's with its progressDetail, an image-wide one as a bare status. */
export function writeProgress(out: MessageStream, p: { id: string; status: string; current: number; total: number }): void {
  out.write(p.id ? layerMessage(p.id, p.status, Number(p.current), Number(p.total)) : { status: p.status });
}

/** Where an import's bytes come from: the request body (fromSrc=-), or a URL dockerd would fetch, which ced's Docker API fetches as its stand-in. */
async function importSource(ctx: RequestContext, fromSrc: string, out: MessageStream): Promise<AsyncIterable<Uint8Array>> {
  if (fromSrc === '-') return ctx.req;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(fromSrc) ? fromSrc : `http://${fromSrc}`);
  } catch {
    throw invalidArgument(`Get "${fromSrc}": invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(`Get "${fromSrc}": unsupported protocol scheme "${url.protocol.slice(0, -1)}"`);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new CeError('Internal', `Get "${fromSrc}": ${cause?.message ?? (err as Error).message}`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw new CeError(res.status === 404 ? 'NotFound' : 'Internal', `failed to GET ${fromSrc} with status ${res.status} ${res.statusText}: ${text}`);
  }
  out.write({ status: `Downloading from ${fromSrc}` });
  return Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]);
}

async function importImage(ctx: RequestContext, fromSrc: string): Promise<void> {
  const repo = ctx.query.get('repo') ?? '';
  const tag = ctx.query.get('tag') ?? '';
  const reference = repo && tag ? `${repo}:${tag}` : repo;
  const comment = ctx.query.get('message') || `Imported from ${fromSrc}`;
  const changes = ctx.query.getAll('changes');
  await streamMessages(ctx, async (out) => {
    const bytes = await importSource(ctx, fromSrc, out);
    const res = await uploadStream<ImportImageRequest, ImportImageResponse>(ctx.engine.images.import(), bytes, (first) =>
      first ? { reference, comment, changes } : { reference: '', comment: '', changes: [] },
      '',
    );
    out.write({ status: res.image?.id ?? '' });
  });
}

/** POST /images/create. */
async function createImage(ctx: RequestContext): Promise<void> {
  const fromImage = ctx.query.get('fromImage') ?? '';
  const fromSrc = ctx.query.get('fromSrc') ?? '';
  if (fromImage) return pull(ctx, fromImage, ctx.query.get('tag') ?? '');
  if (fromSrc) return importImage(ctx, fromSrc);
  throw invalidArgument('Get "http:": http: no Host in request URL');
}

export function registerImageCreateRoutes(router: Router): void {
  router.post('/images/create', createImage);
}
