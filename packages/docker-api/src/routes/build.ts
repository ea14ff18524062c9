// POST /build (dockerd's classic builder): the body is the context tar
// (plain or gzip), the query the options; ced's ce.build.v1 Builder does the
// build, its output going out as {"stream"} messages, the image id as
// {"aux":{"ID"}}, a failed step as {"errorDetail":{"code","message"}}.
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { fromServiceError, invalidArgument, unary } from '@ce/protocol';
import type { BuildResponse, PruneBuildCacheResponse } from '@ce/protocol/gen/ce/build/v1/build';
import { cancelOnDisconnect } from '../cancel-on-disconnect.js';
import { streamMessages } from '../message-stream.js';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

const CHUNK = 1024 * 1024;

/** A JSON object of strings from a query parameter (buildargs, labels); null values are build args given without one. */
function queryMap(ctx: RequestContext, name: string): Record<string, string | null> {
  const raw = ctx.query.get(name);
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`invalid ${name} parameter: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(`invalid ${name} parameter: not an object`);
  return value as Record<string, string | null>;
}

/** The body, inflated when the client compressed it (docker build --compress). */
async function* contextBody(ctx: RequestContext): AsyncGenerator<Buffer> {
  const body = ctx.req[Symbol.asyncIterator]();
  const first = await body.next();
  if (first.done) return;
  const head = first.value as Buffer;
  const rest = { [Symbol.asyncIterator]: () => body };
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of rest) yield chunk as Buffer;
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    for await (const chunk of Readable.from(all()).pipe(createGunzip())) yield chunk as Buffer;
  } else yield* all();
}

async function build(ctx: RequestContext): Promise<void> {
  if (ctx.query.get('remote')) throw invalidArgument('ce builds from an uploaded context only: remote is not supported');
  const buildArgs = queryMap(ctx, 'buildargs');
  const labels = queryMap(ctx, 'labels');
  const network = ctx.query.get('networkmode') ?? '';
  const call = ctx.engine.builder.build();
  const stopWatching = cancelOnDisconnect(ctx, call);
  const answers: BuildResponse[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: Error | undefined;
  call.on('data', (res: BuildResponse) => {
    answers.push(res);
    wake?.();
  });
  call.on('error', (err: Error) => {
    failure = fromServiceError(err, '');
    ended = true;
    wake?.();
  });
  call.on('end', () => {
    ended = true;
    wake?.();
  });
  const sending = (async () => {
    call.write({
      options: {
        dockerfilePath: ctx.query.get('dockerfile') || 'Dockerfile',
        dockerfileText: '',
        tags: ctx.query.getAll('t'),
        buildArgs: Object.fromEntries(Object.entries(buildArgs).filter((e): e is [string, string] => e[1] !== null)),
        unsetBuildArgs: Object.entries(buildArgs).filter(([, v]) => v === null).map(([k]) => k),
        target: ctx.query.get('target') ?? '',
        noCache: ctx.queryBool('nocache'),
        pull: ctx.queryBool('pull'),
        labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])),
        quiet: ctx.queryBool('q'),
        network: network === 'bridge' ? 'default' : network,
      },
      context: Buffer.alloc(0),
    });
    for await (const chunk of contextBody(ctx)) {
      for (let off = 0; off < chunk.length; off += CHUNK) {
        if (!call.write({ context: chunk.subarray(off, off + CHUNK) })) await new Promise((resolve) => call.once('drain', resolve));
      }
    }
    call.end();
  })();
  sending.catch(() => call.cancel());
  try {
    await streamMessages(ctx, async (out) => {
      let exitCode = 0;
      for (;;) {
        const res = answers.shift();
        if (res) {
          if (res.output) out.write({ stream: res.output.toString('utf8') });
          if (res.imageId) out.write({ aux: { ID: res.imageId } });
          if (res.failedExitCode) exitCode = res.failedExitCode;
          continue;
        }
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      await sending.catch(() => undefined);
      if (failure) {
        // A failed step after the stream began: Docker's message with the step's exit code.
        if (out.started) {
          out.write({ errorDetail: { ...(exitCode ? { code: exitCode } : {}), message: failure.message }, error: failure.message });
          return;
        }
        throw failure;
      }
    });
  } finally {
    stopWatching();
  }
}

/**
 * POST /build/prune (docker builder prune): ced's build cache goes whole, so
 * keep-storage and filters, which would keep part of it, are refused.
 */
async function pruneBuildCache(ctx: RequestContext): Promise<void> {
  if (ctx.queryInt('keep-storage', 0) > 0) throw invalidArgument('keep-storage is not supported: ce prunes its build cache whole');
  const filters = Object.keys(ctx.queryFilters());
  if (filters.length) throw invalidArgument(`invalid filter '${filters[0]}': ce prunes its build cache whole`);
  const res = await unary<PruneBuildCacheResponse>((cb) => ctx.engine.builder.prune({}, cb));
  // dockerd's report: null when nothing went (a nil slice).
  ctx.json(200, { CachesDeleted: res.deleted.length ? res.deleted : null, SpaceReclaimed: Number(res.reclaimedBytes) });
}

export function registerBuildRoutes(router: Router): void {
  router.post('/build', build);
  router.post('/build/prune', pruneBuildCache);
}
