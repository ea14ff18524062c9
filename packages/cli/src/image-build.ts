// A build through ced's ce.build.v1 Builder: the context (a folder filtered by
// its .dockerignore, or a tar or a Dockerfile on stdin) packed and streamed,
// the builder's output written as it comes. Shared by `ce build` and
// `ce compose build`.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { ContextFilter, readDockerignore } from '@ce/builder/dockerfile';
import { fromServiceError } from '@ce/protocol';
import { packTree } from '@ce/protocol/copy';
import type { BuildResponse } from '@ce/protocol/gen/ce/build/v1/build';
import type { Connection } from './connection.js';
import { CliExit, daemonErrorMessage } from './errors.js';
import { humanSize } from './humanize.js';

export interface ImageBuildOptions {
  /** -f: a path (relative to the working folder), '-' for stdin, or none for PATH/Dockerfile. */
  file?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  /** Build args named without a value and not in the environment: left unset. */
  unsetBuildArgs: string[];
  target?: string;
  noCache: boolean;
  pull: boolean;
  labels: Record<string, string>;
  quiet: boolean;
  network?: string;
}

const CHUNK = 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A tar (plain or compressed) rather than a Dockerfile on stdin: Docker's archive.DetectCompression and tar header check. */
function isArchive(data: Buffer): boolean {
  const compressed = (data[0] === 0x1f && data[1] === 0x8b) || data.subarray(0, 3).toString('latin1') === 'BZh' || data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  return compressed || (data.length >= 262 && data.subarray(257, 262).toString('latin1') === 'ustar');
}

/** --build-arg KEY=VALUE, or KEY taken from the environment (unset when it is not there), as docker's. */
export function buildArgs(list: string[], env: NodeJS.ProcessEnv = process.env): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq >= 0) set[entry.slice(0, eq)] = entry.slice(eq + 1);
    else if (env[entry] !== undefined) set[entry] = env[entry]!;
    else unset.push(entry);
  }
  return { set, unset };
}

interface PreparedContext {
  tar: AsyncIterable<Uint8Array>;
  dockerfilePath: string;
  dockerfileText: string;
}

async function prepareContext(path: string, file: string | undefined): Promise<PreparedContext> {
  if (path === '-') {
    if (file === '-') throw new CliExit(1, 'invalid argument: can\'t use stdin for both build context and dockerfile');
    const data = await readAll(process.stdin);
    if (isArchive(data)) return { tar: Readable.from([data]), dockerfilePath: file ?? '', dockerfileText: '' };
    return { tar: Readable.from([]), dockerfilePath: '', dockerfileText: data.toString('utf8') };
  }
  if (/^(https?|git):\/\/|^git@|^github\.com\//.test(path)) throw new CliExit(1, `unable to prepare context: ce build takes a local folder or -, not ${path}`);
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliExit(1, `unable to prepare context: path "${path}" not found`);
  if (!statSync(dir).isDirectory()) throw new CliExit(1, `unable to prepare context: context must be a directory: ${dir}`);
  let dockerfileText = '';
  let dockerfilePath = 'Dockerfile';
  if (file === '-') {
    dockerfileText = (await readAll(process.stdin)).toString('utf8');
    dockerfilePath = '';
  } else {
    const dockerfile = file ? resolve(file) : join(dir, 'Dockerfile');
    if (!existsSync(dockerfile)) throw new CliExit(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dockerfile}: no such file or directory`);
    const rel = relative(dir, dockerfile);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      // Outside the context: sent as text, as docker adds it to the context under a name of its own.
      dockerfileText = await readFile(dockerfile, 'utf8');
      dockerfilePath = '';
    } else dockerfilePath = rel.split(sep).join('/');
  }
  const patterns = readDockerignore(await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => ''));
  const filter = new ContextFilter(patterns, dockerfilePath ? { dockerfile: dockerfilePath } : { dockerfileFromStdin: true });
  return { tar: packTree(dir, { decide: (p, isDir) => filter.decide(p, isDir), owner: { uid: 0, gid: 0 } }), dockerfilePath, dockerfileText };
}

/**
 * Builds PATH and returns the image id. The output goes to `out` as it comes;
 * a failure is a CliExit carrying docker build's exit code and message
 * (130 on ctrl-c, the daemon stopping the step's container).
 */
export async function buildImage(conn: Connection, path: string, o: ImageBuildOptions, out: NodeJS.WritableStream = process.stdout): Promise<string> {
  const prepared = await prepareContext(path, o.file);
  const call = conn.builder.build();
  let imageId = '';
  let exitCode = 0;
  let started = false;
  const done = new Promise<void>((resolveDone, reject) => {
    call.on('data', (res: BuildResponse) => {
      if (res.output) {
        started = true;
        out.write(res.output);
      }
      if (res.imageId) imageId = res.imageId;
      if (res.failedExitCode) exitCode = res.failedExitCode;
    });
    call.on('error', (err: Error) => reject(fromServiceError(err, conn.target)));
    call.on('end', () => resolveDone());
  });
  done.catch(() => undefined);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    call.cancel();
  };
  process.once('SIGINT', onSigint);
  try {
    call.write({
      options: {
        dockerfilePath: prepared.dockerfilePath,
        dockerfileText: prepared.dockerfileText,
        tags: o.tags,
        buildArgs: o.buildArgs,
        unsetBuildArgs: o.unsetBuildArgs,
        target: o.target ?? '',
        noCache: o.noCache,
        pull: o.pull,
        labels: o.labels,
        quiet: o.quiet,
        network: o.network ?? '',
      },
      context: Buffer.alloc(0),
    });
    let sent = 0;
    for await (const chunk of prepared.tar) {
      for (let off = 0; off < chunk.byteLength; off += CHUNK) {
        const part = Buffer.from(chunk.subarray(off, off + CHUNK));
        sent += part.length;
        if (!call.write({ context: part })) await new Promise((r) => call.once('drain', r));
      }
    }
    call.end();
    if (!o.quiet) out.write(`Sending build context to Docker daemon  ${humanSize(sent, 4)}\n`);
    await done;
  } catch (err) {
    if (interrupted) throw new CliExit(130);
    if (started) throw new CliExit(exitCode || 1, (err as Error).message);
    throw new CliExit(1, daemonErrorMessage(err, conn.target));
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  return imageId;
}
