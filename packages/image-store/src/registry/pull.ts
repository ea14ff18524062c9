import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CeError, invalidArgument, notFound } from '@ce/protocol';
import { FileContentStore, type ContentWriter } from '../content/file-content-store.js';
import { parseDigest, shortId, type Digest } from '../digest.js';
import type { Lease } from '../leases/types.js';
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from '../oci/media-types.js';
import { formatPlatform, platformScore } from '../oci/platform.js';
import type { Descriptor, OciImageConfig, OciManifest, Platform } from '../oci/types.js';
import { isImageManifest, parseImageConfig, parseIndexOrManifest } from '../oci/validate.js';
import type { Reference } from '../reference/reference.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';
import { forEachLimit } from './pool.js';
import { firstEndpoint, openTransports } from './session.js';
import { isRetryableNetworkError, networkError, readBody, registryErrorText, type RegistryResponse, type RegistryTransport } from './transport.js';
import type { ProgressCallback, PullOptions, RegistryOptions } from './types.js';

export const DEFAULT_MAX_MANIFEST_BYTES = 4 << 20;
const DEFAULT_PULL_CONCURRENCY = 3;
/** Consecutive failed attempts of one blob download before giving up (an attempt that moved forward resets the count). */
const MAX_STALLED_ATTEMPTS = 5;
const PROGRESS_STEP = 512 * 1024;

/** Every manifest media type a pull accepts, as the Accept header sends them. */
export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerManifestList, MediaType.DockerManifest].join(', ');

export interface FetchedImage {
  /** What the reference names: a manifest or an index (the image record's target). */
  target: Descriptor;
  /** The manifest picked for the platform (the target itself for a single-platform image). */
  manifestDescriptor: Descriptor;
  manifest: OciManifest;
  config: OciImageConfig;
}

export interface FetchContext {
  content: FileContentStore;
  registry: RegistryOptions;
  platform: Platform;
  lease?: Lease;
  logger?: Logger;
  /**
   * Called for each layer once its blob is in the content store, in any order;
   * the pull waits for the promises (the image store unpacks from here, so
   * extraction overlaps the downloads of later layers).
   */
  onLayerReady?: (index: number, manifest: OciManifest, config: OciImageConfig) => Promise<void>;
  /**
   * Called when a layer's download starts from its first byte: the stream it
   * returns gets the bytes as they are written to the ingest (undefined: the
   * layer is unpacked from the content store once onLayerReady says it is there).
   */
  onLayerDownload?: (index: number, manifest: OciManifest, config: OciImageConfig) => Promise<LayerStream | undefined>;
}

/** Where a layer's bytes go while it downloads (the image store extracts them as they arrive). */
export interface LayerStream {
  /** The next bytes of the blob, once they are in the ingest; resolves when more may be written. */
  write(chunk: Buffer): Promise<void>;
  /** Every byte has arrived (its digest not checked yet). */
  end(): void;
  /** The download failed for good, or its digest did not check out: nothing of the layer may be kept. */
  fail(err: unknown): void;
}

/**
 * Fetches an image from its registry into the content store: the manifest
 * (verified against the digest asked for or the one the registry announced),
 * the manifest for the platform from an index, the config, and every layer
 * not already present, several at once, resuming interrupted downloads with
 * Range requests. Names nothing: the caller writes the image record.
 */
export async function fetchImage(ref: Reference, ctx: FetchContext, opts: PullOptions = {}): Promise<FetchedImage> {
  const logger = ctx.logger ?? silentLogger;
  const transports = await openTransports(ref, ctx.registry, opts.credentials);
  try {
    const { transport, value: top } = await firstEndpoint(
      transports,
      (t) => fetchManifest(t, ref, ref.digest ?? ref.tag ?? 'latest', ctx, opts),
      (endpoint, err) => logger.warn({ mirror: endpoint.url, ref: ref.toString(), err: (err as Error).message }, 'mirror failed; trying the next endpoint'),
    );
    let manifestDescriptor = top.descriptor;
    let doc = top.doc;
    for (let depth = 0; doc.kind === 'index'; depth++) {
      if (depth > 4) throw invalidArgument(`image ${ref.familiar()}: indexes nested too deeply`);
      const picked = pickPlatform(doc.index.manifests, ctx.platform, ref);
      const child = await fetchManifest(transport, ref, picked.digest, ctx, opts, picked);
      manifestDescriptor = child.descriptor;
      doc = child.doc;
    }
    const manifest = doc.manifest;
    if (!isImageManifest(manifest)) {
      throw invalidArgument(`${ref.familiar()} is not a container image (its config has media type ${manifest.config.mediaType})`);
    }
    await fetchBlob(transport, ref, manifest.config, ctx, opts, undefined);
    const config = parseImageConfig(await ctx.content.readBlob(manifest.config.digest), `image config ${manifest.config.digest}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw invalidArgument(
        `image ${ref.familiar()}: its config lists ${config.rootfs.diff_ids.length} diff ids but its manifest has ${manifest.layers.length} layers`,
      );
    }
    await fetchLayers(
      transport,
      ref,
      manifest.layers,
      ctx,
      opts,
      (i) => ctx.onLayerReady?.(i, manifest, config) ?? Promise.resolve(),
      (i) => ctx.onLayerDownload?.(i, manifest, config) ?? Promise.resolve(undefined),
    );
    return { target: top.descriptor, manifestDescriptor, manifest, config };
  } finally {
    for (const t of transports) t.close();
  }
}

function pickPlatform(manifests: Descriptor[], platform: Platform, ref: Reference): Descriptor {
  let best: Descriptor | undefined;
  let bestScore = -1;
  for (const m of manifests) {
    const score = platformScore(platform, m.platform);
    if (score > bestScore) [best, bestScore] = [m, score];
  }
  if (!best) {
    const have = manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
    throw notFound(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries of ${ref.familiar()} (it has: ${have || 'none'})`);
  }
  return best;
}

type Doc = ReturnType<typeof parseIndexOrManifest>;

/**
 * GETs a manifest or index by tag or digest, checks size, media type and
 * digest, stores it, and parses it.
 */
async function fetchManifest(
  t: RegistryTransport,
  ref: Reference,
  tagOrDigest: string,
  ctx: FetchContext,
  opts: PullOptions,
  expected?: Descriptor,
): Promise<{ descriptor: Descriptor; doc: Doc }> {
  const limit = opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  const res = await t.request({
    method: 'GET',
    path: `/v2/${ref.path}/manifests/${tagOrDigest}`,
    headers: { accept: MANIFEST_ACCEPT },
    scope: `repository:${ref.path}:pull`,
    signal: opts.signal,
  });
  const what = `manifest ${ref.name}:${tagOrDigest} from ${t.endpoint.url}`;
  if (res.status !== 200) throw await httpError(res, ref, 'pull', what);
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    res.body.destroy();
    throw invalidArgument(`${what} is ${announced} bytes, over the ${limit}-byte limit for manifests`);
  }
  const body = await readBody(res.body, limit, what).catch((err: unknown) => {
    if (err instanceof CeError) throw invalidArgument(`${what} is over the ${limit}-byte limit for manifests`);
    throw networkError('GET', t.url(`/v2/${ref.path}/manifests/${tagOrDigest}`), err);
  });
  const mediaType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (isSchema1MediaType(mediaType)) {
    throw invalidArgument(`${what}: Docker image manifest schema 1 is not supported (deprecated since Docker 1.10); re-push the image`);
  }
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    throw invalidArgument(`${what} has media type ${JSON.stringify(mediaType)}, which is neither an image manifest nor an index`);
  }
  const actual: Digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const wanted = expected?.digest ?? (tagOrDigest.includes(':') ? tagOrDigest : undefined);
  if (wanted !== undefined && wanted !== actual) {
    throw invalidArgument(`${what} does not match its digest: expected ${wanted}, got ${actual}`);
  }
  const announcedDigest = res.headers['docker-content-digest'];
  if (typeof announcedDigest === 'string' && announcedDigest && announcedDigest !== actual) {
    throw invalidArgument(`${what} does not match the digest the registry announced: Docker-Content-Digest ${announcedDigest}, content ${actual}`);
  }
  if (expected && expected.size !== body.length) {
    throw invalidArgument(`${what} is ${body.length} bytes, its descriptor says ${expected.size}`);
  }
  if (expected && expected.mediaType !== mediaType) {
    throw invalidArgument(`${what} has media type ${mediaType}, its descriptor says ${expected.mediaType}`);
  }
  const descriptor: Descriptor = { mediaType, digest: actual, size: body.length };
  if (expected?.platform) descriptor.platform = expected.platform;
  const doc = parseIndexOrManifest(body, descriptor);
  // Leased before it is committed: a gc between the commit and the add would find it unreferenced.
  await ctx.lease?.add({ kind: 'content', id: actual });
  await ctx.content.ingest(body, { digest: actual, size: body.length });
  return { descriptor, doc };
}

/** Turns a registry's non-success answer into Docker's messages. */
async function httpError(
  res: RegistryResponse,
  ref: Reference,
  action: 'pull' | 'push',
  what: string,
): Promise<CeError> {
  const text = await registryErrorText(res);
  if (res.status === 401 || res.status === 403) {
    return new CeError(
      'PermissionDenied',
      action === 'pull'
        ? `pull access denied for ${ref.familiarName}, repository does not exist or may require 'ce login': ${text}`
        : `unauthorized to push to ${ref.familiarName}: ${text}`,
    );
  }
  if (res.status === 404) {
    const tag = ref.digest ?? ref.tag ?? 'latest';
    return notFound(`manifest for ${ref.familiarName}${ref.digest ? '@' : ':'}${tag} not found: ${text}`);
  }
  return new CeError(res.status >= 500 ? 'Unavailable' : 'InvalidArgument', `${what}: ${text}`);
}

async function fetchLayers(
  t: RegistryTransport,
  ref: Reference,
  layers: Descriptor[],
  ctx: FetchContext,
  opts: PullOptions,
  onLayerReady: (index: number) => Promise<void>,
  onLayerDownload: (index: number) => Promise<LayerStream | undefined>,
): Promise<void> {
  const progress = opts.onProgress ?? (() => undefined);
  // Lease every layer before looking: one found present is then safe from a concurrent gc/rmi, one still to fetch is leased before its commit.
  await Promise.all(layers.map((layer) => ctx.lease?.add({ kind: 'content', id: layer.digest })));
  const present = await Promise.all(layers.map((l) => ctx.content.exists(parseDigest(l.digest, `layer digest in the manifest of ${ref.familiar()}`))));
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_PULL_CONCURRENCY);
  const missing: number[] = [];
  for (const [i, layer] of layers.entries()) {
    if (present[i]) {
      progress({ id: shortId(layer.digest), status: 'Already exists' });
    } else {
      progress({ id: shortId(layer.digest), status: 'Pulling fs layer' });
      missing.push(i);
    }
  }
  for (const i of missing.slice(concurrency)) progress({ id: shortId(layers[i]!.digest), status: 'Waiting' });
  const ready: Array<Promise<void>> = [];
  for (const [i, p] of present.entries()) if (p) ready.push(onLayerReady(i));
  // A failed unpack must not leave an unhandled rejection while downloads go on.
  const settle = (p: Promise<void>) => {
    p.catch(() => undefined);
    return p;
  };
  ready.forEach(settle);
  await forEachLimit(missing, concurrency, async (i) => {
    await fetchBlob(t, ref, layers[i]!, ctx, opts, progress, () => onLayerDownload(i));
    ready.push(settle(onLayerReady(i)));
  });
  await Promise.all(ready);
}

/**
 * Downloads one blob into the content store unless it is there. The download
 * goes to a resumable ingest: after a dropped connection (or in a later pull
 * after a crash) it continues with `Range: bytes=<have>-`. A download that
 * starts from the first byte also feeds `openStream`'s stream, in order and
 * across such resumes (it always has exactly the bytes the ingest has); the
 * stream learns the end, and a failure or a digest that does not check out.
 */
async function fetchBlob(
  t: RegistryTransport,
  ref: Reference,
  desc: Descriptor,
  ctx: FetchContext,
  opts: PullOptions,
  progress: ProgressCallback | undefined,
  openStream?: () => Promise<LayerStream | undefined>,
): Promise<void> {
  const digest = parseDigest(desc.digest, `blob digest in the manifest of ${ref.familiar()}`);
  const id = shortId(digest);
  // A lease may name a blob that does not exist yet: taking it first closes the window between commit (or the exists check) and the add.
  await ctx.lease?.add({ kind: 'content', id: digest });
  if (await ctx.content.exists(digest)) return;
  await ctx.lease?.add({ kind: 'ingest', id: FileContentStore.ingestRef(digest) });
  const writer: ContentWriter = (await ctx.content.resumableWriter({ digest, size: desc.size })) ?? (await ctx.content.writer({ digest, size: desc.size }));
  // A download resumed from an earlier pull's ingest is unpacked from the committed blob instead.
  let stream: LayerStream | undefined;
  if (writer.offset === 0 && openStream) {
    try {
      stream = await openStream();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
  const path = `/v2/${ref.path}/blobs/${digest}`;
  let stalled = 0;
  let backoff = 250;
  let lastReported = -PROGRESS_STEP;
  const report = (force = false) => {
    if (!progress) return;
    if (force || writer.offset - lastReported >= PROGRESS_STEP || writer.offset === desc.size) {
      lastReported = writer.offset;
      progress({ id, status: 'Downloading', current: writer.offset, total: desc.size });
    }
  };
  try {
    while (writer.offset < desc.size || desc.size === 0) {
      const start = writer.offset;
      try {
        await downloadFrom(t, ref, path, desc, writer, stream, opts.signal, () => report());
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const full = noSpaceLeft(err, `downloading ${digest} into`, ctx.content.ingestDir);
        if (full) throw full;
        const retryable = isRetryableNetworkError(err) || (err instanceof CeError && err.code === 'Unavailable');
        if (writer.offset > start) stalled = 0;
        else stalled++;
        if (!retryable || stalled >= MAX_STALLED_ATTEMPTS) throw err instanceof CeError ? err : networkError('GET', t.url(path), err);
        (ctx.logger ?? silentLogger).info({ blob: digest, have: writer.offset, size: desc.size, err: (err as Error).message }, 'blob download interrupted; resuming');
        await sleep(backoff, undefined, { signal: opts.signal });
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      break;
    }
    report(true);
    stream?.end();
    progress?.({ id, status: 'Verifying Checksum' });
    await writer.commit().catch((err: unknown) => {
      if (err instanceof CeError && err.code === 'InvalidArgument') {
        throw invalidArgument(`filesystem layer verification failed for digest ${digest} (from ${ref.name}): ${err.message}`);
      }
      throw err;
    });
    progress?.({ id, status: 'Download complete' });
  } catch (err) {
    stream?.fail(err);
    // Keep what arrived for the next attempt (suspend removes a non-resumable ingest); nothing arrived, nothing to keep.
    if (writer.offset > 0) await writer.suspend();
    else await writer.abort();
    throw err;
  }
}

/** One GET of a blob from the writer's offset on, written through (and to `stream`) as it arrives. */
async function downloadFrom(
  t: RegistryTransport,
  ref: Reference,
  path: string,
  desc: Descriptor,
  writer: ContentWriter,
  stream: LayerStream | undefined,
  signal: AbortSignal | undefined,
  onData: () => void,
): Promise<void> {
  const offset = writer.offset;
  const res = await t.request({
    method: 'GET',
    path,
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    scope: `repository:${ref.path}:pull`,
    signal,
    noRetry: true,
  });
  if (res.status === 404) {
    res.body.resume();
    throw notFound(`blob ${desc.digest} of ${ref.familiar()} is missing from ${t.endpoint.url} (blob unknown to registry)`);
  }
  let skip = 0;
  if (res.status === 206) {
    const range = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== offset) {
      res.body.destroy();
      throw invalidArgument(`${t.endpoint.url} answered a range request for ${desc.digest} from byte ${offset} with ${res.headers['content-range'] ?? 'no Content-Range'}`);
    }
  } else if (res.status === 200) {
    // The server ignored the range: skip what we already have.
    skip = offset;
  } else {
    const err = await httpError(res, ref, 'pull', `blob ${desc.digest}`);
    throw res.status >= 500 ? new CeError('Unavailable', err.message) : err;
  }
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  const flush = async () => {
    if (!bufferedBytes) return;
    const chunk = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes);
    buffered = [];
    bufferedBytes = 0;
    // The stream gets a chunk with its write to the ingest: a failed write fails the pull (and the stream) for good.
    await Promise.all([writer.write(chunk), stream?.write(chunk)]);
    onData();
  };
  try {
    for await (const raw of res.body as AsyncIterable<Buffer>) {
      let chunk = raw;
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
        if (!chunk.length) continue;
      }
      // Fewer, larger writes: the socket hands over 16–64 KiB at a time.
      buffered.push(chunk);
      bufferedBytes += chunk.length;
      if (bufferedBytes >= 1 << 20) await flush();
    }
  } finally {
    await flush();
  }
  if (writer.offset < desc.size) {
    throw Object.assign(new Error(`connection closed after ${writer.offset} of ${desc.size} bytes`), { code: 'ECONNRESET' });
  }
}
