import { CeError, fromServiceError, invalidArgument, unary } from '@ce/protocol';
import { drained } from '@ce/protocol/drain';
import type { ArchivePathResponse, ContainerPathStat, ExtractToPathResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';

/** The header docker cp reads a path's stat from: Docker's JSON {name, size, mode, mtime, linkTarget}, in base64. */
const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** Most bytes of the tar in one ExtractToPath message. */
const CHUNK = 1024 * 1024;

/** The `path` query, as dockerd's ArchiveFormValues requires it (its words, missing space included). */
function archivePath(ctx: RequestContext): string {
  const path = ctx.query.get('path') ?? '';
  if (path === '') throw invalidArgument('bad parameter: pathcannot be empty');
  return path;
}

const statHeader = (statJson: string) => Buffer.from(statJson).toString('base64');

/** HEAD /containers/{id}/archive: the path's stat in the header, no body. */
async function statArchivePath(ctx: RequestContext): Promise<void> {
  const path = archivePath(ctx);
  const stat = await unary<ContainerPathStat>((cb) => ctx.engine.containers.statPath({ id: ctx.param('id'), path }, cb));
  const res = ctx.reply();
  res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat.statJson) });
  res.end();
}

/** GET /containers/{id}/archive: the stat in the header, the tar of the path as the body. */
async function getArchive(ctx: RequestContext): Promise<void> {
  const path = archivePath(ctx);
  const call = ctx.engine.containers.archivePath({ id: ctx.param('id'), path });
  const res = ctx.reply();
  res.once('close', () => call.cancel());
  const replies = call[Symbol.asyncIterator]() as AsyncIterator<ArchivePathResponse>;
  try {
    const first = await replies.next();
    if (first.done || !first.value.stat) throw new Error('ced sent no stat of the path');
    res.writeHead(200, { 'Content-Type': 'application/x-tar', [PATH_STAT_HEADER]: statHeader(first.value.stat.statJson) });
    for (let next = await replies.next(); !next.done; next = await replies.next()) {
      if (next.value.data && !res.write(next.value.data)) await drained(res);
    }
  } catch (err) {
    if (res.destroyed) return;
    throw err instanceof CeError ? err : fromServiceError(err as never);
  }
  res.end();
}

/** PUT /containers/{id}/archive: the request's tar extracted into the directory `path` (200, no body). */
async function putArchive(ctx: RequestContext): Promise<void> {
  const path = archivePath(ctx);
  const call = ctx.engine.containers.extractToPath();
  const answer = new Promise<void>((resolve, reject) => {
    let answered = false;
    call.on('data', (_: ExtractToPathResponse) => (answered = true));
    call.on('error', (err) => reject(fromServiceError(err)));
    call.on('end', () => (answered ? resolve() : reject(new Error('ced ended the extraction without an answer'))));
  });
  answer.catch(() => undefined); // awaited once the tar is sent
  try {
    call.write({
      target: {
        id: ctx.param('id'),
        path,
        allowOverwriteDirWithFile: !ctx.queryBool('noOverwriteDirNonDir'),
        copyUidGid: ctx.queryBool('copyUIDGID'),
      },
    });
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      for (let off = 0; off < chunk.length; off += CHUNK) {
        // ced refusing the extraction never drains the call: its answer ends the wait with its error.
        if (!call.write({ data: chunk.subarray(off, off + CHUNK) })) await drained(call, answer);
      }
    }
    call.end();
  } catch (err) {
    call.cancel();
    // ced's refusal (no such path, not a directory) says more than the broken upload it caused.
    await answer;
    throw err;
  }
  await answer;
  ctx.empty(200);
}

export function registerContainerArchiveRoutes(router: Router): void {
  router.head('/containers/{id}/archive', statArchivePath);
  router.get('/containers/{id}/archive', getArchive);
  router.put('/containers/{id}/archive', putArchive);
}
