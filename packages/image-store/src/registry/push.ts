import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { CeError, invalidArgument, notFound } from '@ce/protocol';
import type { FileContentStore } from '../content/file-content-store.js';
import { shortId } from '../digest.js';
import type { Descriptor } from '../oci/types.js';
import { parseIndexOrManifest } from '../oci/validate.js';
import type { Reference } from '../reference/reference.js';
import { forEachLimit } from './pool.js';
import { openTransports } from './session.js';
import { registryErrorText, type RegistryResponse, type RegistryTransport } from './transport.js';
import type { ProgressCallback, PushOptions, PushResult, RegistryOptions } from './types.js';

const DEFAULT_PUSH_CONCURRENCY = 5;
const PROGRESS_STEP = 512 * 1024;

export interface PushContext {
  content: FileContentStore;
  registry: RegistryOptions;
  /**
   * Other repositories of the same registry known to hold a blob (from the
   * local images' names): the push asks the registry to mount it from there
   * instead of uploading it.
   */
  mountSources?: (digest: string) => string[];
}

/**
 * Pushes an image (its manifest or index, already in the content store) to
 * `ref`'s repository: each blob is checked with HEAD and skipped when the
 * registry has it, mounted from another repository when one is known to hold
 * it, otherwise uploaded (one PUT, or PATCH chunks then PUT when
 * `chunkSize` is set); then manifests by digest and the top one by tag.
 */
export async function pushImage(ref: Reference, target: Descriptor, ctx: PushContext, opts: PushOptions = {}): Promise<PushResult> {
  if (ref.digest) throw invalidArgument(`cannot push to a digest reference ${ref.familiar()}: push to a tag`);
  const tag = ref.tag ?? 'latest';
  const [transport, ...rest] = (await openTransports(ref, { ...ctx.registry, mirrors: undefined }, opts.credentials)).reverse();
  for (const t of rest) t.close();
  const t = transport!;
  const progress = opts.onProgress ?? (() => undefined);
  try {
    // Children first, so the registry never sees an index or manifest naming what it lacks.
    const plan = await planPush(ctx.content, target);
    for (const b of plan.layers) progress({ id: shortId(b.digest), status: 'Preparing' });
    const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_PUSH_CONCURRENCY);
    for (const b of plan.layers.slice(concurrency)) progress({ id: shortId(b.digest), status: 'Waiting' });
    await forEachLimit(plan.layers, concurrency, (b) => pushBlob(t, ref, b, ctx, opts, progress));
    for (const c of plan.configs) await pushBlob(t, ref, c, ctx, opts, undefined);
    for (const m of plan.manifests) await putManifest(t, ref, m, m.digest, ctx, opts);
    await putManifest(t, ref, target, tag, ctx, opts);
    return { name: ref.toString(), digest: target.digest, size: target.size };
  } finally {
    t.close();
  }
}

interface PushPlan {
  /** Child manifests of an index, pushed by digest before the index. */
  manifests: Descriptor[];
  configs: Descriptor[];
  layers: Descriptor[];
}

async function planPush(content: FileContentStore, target: Descriptor): Promise<PushPlan> {
  const plan: PushPlan = { manifests: [], configs: [], layers: [] };
  const seen = new Set<string>();
  const visit = async (desc: Descriptor, isTop: boolean) => {
    const doc = parseIndexOrManifest(await readLocal(content, desc, 'manifest'), desc);
    if (doc.kind === 'index') {
      for (const m of doc.index.manifests) {
        if (!(await content.exists(m.digest))) {
          // Docker pushes what it has of a multi-platform image only when it has all of it.
          throw notFound(`cannot push ${desc.digest}: its manifest ${m.digest}${m.platform ? ` for ${m.platform.os}/${m.platform.architecture}` : ''} is not in the local store`);
        }
        await visit(m, false);
      }
    } else {
      for (const b of [doc.manifest.config, ...doc.manifest.layers]) {
        if (seen.has(b.digest)) continue;
        seen.add(b.digest);
        if (!(await content.exists(b.digest))) throw notFound(`cannot push: blob ${b.digest} is not in the local store`);
        (b === doc.manifest.config ? plan.configs : plan.layers).push(b);
      }
    }
    if (!isTop) plan.manifests.push(desc);
  };
  await visit(target, true);
  return plan;
}

async function readLocal(content: FileContentStore, desc: Descriptor, what: string): Promise<Buffer> {
  try {
    return await content.readBlob(desc.digest);
  } catch (err) {
    if (err instanceof CeError && err.code === 'NotFound') throw notFound(`cannot push: ${what} ${desc.digest} is not in the local store`);
    throw err;
  }
}

const scopeFor = (ref: Reference, from?: string) =>
  [`repository:${ref.path}:pull,push`, ...(from ? [`repository:${from}:pull`] : [])].join(' ');

async function failure(res: RegistryResponse, ref: Reference, what: string): Promise<CeError> {
  const text = await registryErrorText(res);
  if (res.status === 401 || res.status === 403) return new CeError('PermissionDenied', `${what}: ${text}`);
  if (res.status === 404) return notFound(`${what}: ${text}`);
  return new CeError(res.status >= 500 ? 'Unavailable' : 'InvalidArgument', `${what} (${ref.name}): ${text}`);
}

function location(res: RegistryResponse, t: RegistryTransport, what: string): string {
  const loc = res.headers.location;
  if (!loc) throw invalidArgument(`${t.endpoint.url} answered ${what} without a Location header`);
  return new URL(loc, t.endpoint.url + '/').toString();
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

async function pushBlob(
  t: RegistryTransport,
  ref: Reference,
  desc: Descriptor,
  ctx: PushContext,
  opts: PushOptions,
  progress: ProgressCallback | undefined,
): Promise<void> {
  const id = shortId(desc.digest);
  const head = await t.request({ method: 'HEAD', path: `/v2/${ref.path}/blobs/${desc.digest}`, scope: scopeFor(ref), signal: opts.signal });
  head.body.resume();
  if (head.status === 200) {
    progress?.({ id, status: 'Layer already exists' });
    return;
  }
  if (head.status !== 404) throw await failure(head, ref, `checking blob ${desc.digest}`);

  let uploadUrl: string | undefined;
  for (const from of (ctx.mountSources?.(desc.digest) ?? []).filter((r) => r !== ref.path)) {
    const res = await t.request({
      method: 'POST',
      path: `/v2/${ref.path}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
      scope: scopeFor(ref, from),
      signal: opts.signal,
    });
    res.body.resume();
    if (res.status === 201) {
      progress?.({ id, status: `Mounted from ${from}` });
      return;
    }
    // 202: the registry could not mount and opened an upload instead.
    if (res.status === 202) {
      uploadUrl = location(res, t, 'a mount request');
      break;
    }
  }
  if (!uploadUrl) {
    const res = await t.request({ method: 'POST', path: `/v2/${ref.path}/blobs/uploads/`, scope: scopeFor(ref), signal: opts.signal });
    if (res.status !== 202) throw await failure(res, ref, `starting the upload of ${desc.digest}`);
    res.body.resume();
    uploadUrl = location(res, t, 'an upload request');
  }

  const path = ctx.content.blobPath(desc.digest);
  let sent = 0;
  let lastReported = -PROGRESS_STEP;
  const counted = (stream: Readable) =>
    stream.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sent += chunk.length;
          if (progress && (sent - lastReported >= PROGRESS_STEP || sent === desc.size)) {
            lastReported = sent;
            progress({ id, status: 'Pushing', current: sent, total: desc.size });
          }
          cb(null, chunk);
        },
      }),
    );
  const chunkSize = opts.chunkSize ?? 0;
  if (chunkSize > 0 && desc.size > chunkSize) {
    for (let start = 0; start < desc.size; start += chunkSize) {
      const end = Math.min(desc.size, start + chunkSize);
      const chunk = await readRange(path, start, end);
      const res = await t.request({
        method: 'PATCH',
        path: uploadUrl,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
        body: chunk,
        scope: scopeFor(ref),
        signal: opts.signal,
      });
      if (res.status !== 202) throw await failure(res, ref, `uploading bytes ${start}-${end - 1} of ${desc.digest}`);
      res.body.resume();
      uploadUrl = location(res, t, 'a chunk upload');
      sent = end;
      progress?.({ id, status: 'Pushing', current: sent, total: desc.size });
    }
    const res = await t.request({ method: 'PUT', path: withQuery(uploadUrl, 'digest', desc.digest), scope: scopeFor(ref), signal: opts.signal });
    if (res.status !== 201) throw await failure(res, ref, `completing the upload of ${desc.digest}`);
    res.body.resume();
  } else {
    const res = await t.request({
      method: 'PUT',
      path: withQuery(uploadUrl, 'digest', desc.digest),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body: () => {
        sent = 0;
        return counted(createReadStream(path));
      },
      scope: scopeFor(ref),
      signal: opts.signal,
    });
    if (res.status !== 201) throw await failure(res, ref, `uploading ${desc.digest}`);
    res.body.resume();
  }
  progress?.({ id, status: 'Pushed' });
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
      if (bytesRead === 0) throw new Error(`${path} ended at byte ${start + off}, expected ${end}`);
      off += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

async function putManifest(t: RegistryTransport, ref: Reference, desc: Descriptor, reference: string, ctx: PushContext, opts: PushOptions): Promise<void> {
  const body = await readLocal(ctx.content, desc, 'manifest');
  const res = await t.request({
    method: 'PUT',
    path: `/v2/${ref.path}/manifests/${reference}`,
    headers: { 'content-type': desc.mediaType },
    body,
    scope: scopeFor(ref),
    signal: opts.signal,
  });
  if (res.status !== 201) throw await failure(res, ref, `putting manifest ${reference}`);
  res.body.resume();
  const announced = res.headers['docker-content-digest'];
  if (typeof announced === 'string' && announced && announced !== desc.digest) {
    throw invalidArgument(`${t.endpoint.url} stored manifest ${reference} as ${announced}, expected ${desc.digest}`);
  }
}

