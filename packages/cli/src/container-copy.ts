// docker cp's client side (cli/command/container/cp.go): the path rules are
// applied here, ced only stats, archives and extracts container paths.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CeError, fromServiceError, unary } from '@ce/protocol';
import { drained } from '@ce/protocol/drain';
import {
  coalesceChunks,
  extractArchive,
  isGoDevice,
  isGoDir,
  isGoSymlink,
  packResource,
  planCopy,
  rebaseAfterLink,
  ScopedFs,
  splitPathDirEntry,
  type ContainerPathStat,
} from '@ce/protocol/copy';
import type { ArchivePathResponse, ContainerPathStat as StatMessage, ExtractToPathResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Connection } from './connection.js';
import { absoluteLocalPath, localDestination, localSource } from './local-copy-paths.js';
import { mknodCommand } from './mknod-command.js';

/** A failure worded as docker cp prints it (no "Error response from daemon" prefix). */
export class CopyError extends Error {}

/** Docker's 404 of the archive API: "Error: No such container:path: web:/nope". */
export function noSuchContainerPath(container: string, path: string): CopyError {
  return new CopyError(`Error: No such container:path: ${container}:${path}`);
}

export async function statContainerPath(conn: Connection, container: string, path: string): Promise<ContainerPathStat> {
  const res = await unary<StatMessage>((cb) => conn.containers.statPath({ id: container, path }, cb), conn.target);
  return JSON.parse(res.statJson) as ContainerPathStat;
}

/** Where a symlink's stat points, a relative target taken from the link's folder (as docker cp does). */
function linkTargetOf(stat: ContainerPathStat, linkPath: string): string {
  return stat.linkTarget.startsWith('/') ? stat.linkTarget : `${splitPathDirEntry(linkPath)[0]}/${stat.linkTarget}`;
}

const isNotFound = (err: unknown) => err instanceof CeError && err.code === 'NotFound';

export interface CopyOptions {
  followLink: boolean;
  copyUidGid: boolean;
}

/** `ce cp CONTAINER:SRC DEST` (DEST "-": the tar to stdout). */
export async function copyFromContainer(conn: Connection, container: string, srcPath: string, dstPath: string, opts: CopyOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  const localDst = dstPath === '-' ? '-' : absoluteLocalPath(dstPath);
  let rebaseName = '';
  if (opts.followLink) {
    const stat = await statContainerPath(conn, container, srcPath).catch(() => null);
    if (stat && isGoSymlink(stat.mode)) {
      [srcPath, rebaseName] = rebaseAfterLink(srcPath, linkTargetOf(stat, srcPath));
    }
  }
  const call = conn.containers.archivePath({ id: container, path: srcPath });
  const replies = call[Symbol.asyncIterator]() as AsyncIterator<ArchivePathResponse>;
  let stat: ContainerPathStat;
  try {
    const first = await replies.next();
    if (first.done || !first.value.stat) throw new Error('the daemon sent no stat of the path');
    stat = JSON.parse(first.value.stat.statJson) as ContainerPathStat;
  } catch (err) {
    call.cancel();
    const ceErr = err instanceof CeError ? err : fromServiceError(err as never, conn.target);
    if (isNotFound(ceErr)) throw noSuchContainerPath(container, srcPath);
    throw ceErr;
  }
  const tar = Readable.from(
    (async function* () {
      try {
        for (let next = await replies.next(); !next.done; next = await replies.next()) if (next.value.data) yield next.value.data;
      } catch (err) {
        throw fromServiceError(err as never, conn.target);
      }
    })(),
  );
  if (localDst === '-') {
    await pipeline(tar, stdout);
    return;
  }
  const plan = planCopy({ path: srcPath, isDir: isGoDir(stat.mode), rebaseName }, await localDestination(localDst));
  const srcBase = splitPathDirEntry(srcPath)[1];
  const to = plan.rebase?.to ?? rebaseName;
  await extractArchive(new ScopedFs('/'), plan.extractDir, tar, {
    owner: 'none',
    noOverwriteDirNonDir: true,
    rebase: to ? { from: srcBase, to } : undefined,
    mknod: mknodCommand,
  });
}

/** `ce cp SRC CONTAINER:DEST` (SRC "-": a tar from stdin, extracted into the directory DEST). */
export async function copyToContainer(conn: Connection, srcPath: string, container: string, dstPath: string, opts: CopyOptions, stdin: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const localSrc = srcPath === '-' ? '-' : absoluteLocalPath(srcPath);
  let dst = { path: dstPath, exists: false, isDir: false };
  let stat = await statContainerPath(conn, container, dstPath).catch(() => null);
  if (stat && isGoSymlink(stat.mode)) {
    dst.path = linkTargetOf(stat, dstPath);
    stat = await statContainerPath(conn, container, dst.path).catch(() => null);
  }
  if (stat && isGoDevice(stat.mode)) throw new CopyError(`destination "${container}:${dstPath}" must be a directory or a regular file: got a device`);
  if (stat) dst = { ...dst, exists: true, isDir: isGoDir(stat.mode) };

  let content: AsyncIterable<Uint8Array>;
  let extractDir: string;
  if (localSrc === '-') {
    if (!dst.isDir) throw new CopyError(`destination "${container}:${dstPath}" must be a directory`);
    content = stdin as AsyncIterable<Uint8Array>;
    extractDir = dst.path;
  } else {
    const src = await localSource(localSrc, opts.followLink);
    const plan = planCopy(src, dst);
    content = packResource(new ScopedFs('/'), src.path, plan.rebase?.to ?? src.rebaseName ?? '') as AsyncIterable<Uint8Array>;
    extractDir = plan.extractDir;
  }
  try {
    await upload(conn, { id: container, path: extractDir, copyUidGid: opts.copyUidGid }, content);
  } catch (err) {
    if (isNotFound(err)) throw noSuchContainerPath(container, extractDir);
    throw err;
  }
}

async function upload(conn: Connection, target: { id: string; path: string; copyUidGid: boolean }, content: AsyncIterable<Uint8Array>): Promise<void> {
  const call = conn.containers.extractToPath();
  const answer = new Promise<void>((resolve, reject) => {
    let answered = false;
    call.on('data', (_: ExtractToPathResponse) => (answered = true));
    call.on('error', (err) => reject(fromServiceError(err, conn.target)));
    call.on('end', () => (answered ? resolve() : reject(new Error('the daemon ended the copy without an answer'))));
  });
  answer.catch(() => undefined); // awaited after the upload
  try {
    call.write({ target: { ...target, allowOverwriteDirWithFile: false } });
    for await (const data of coalesceChunks(content)) {
      // A daemon that refused the copy never drains the call: its answer ends the wait with its error.
      if (!call.write({ data })) await drained(call, answer);
    }
    call.end();
  } catch (err) {
    call.cancel();
    throw err;
  }
  return answer;
}

