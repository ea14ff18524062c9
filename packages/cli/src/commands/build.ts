// `ce build [OPTIONS] PATH | -`: the context (a folder filtered by its
// .dockerignore, or a tar or a Dockerfile on stdin) streamed to ced's
// ce.build.v1 Builder, its output printed as it comes (docker build with
// DOCKER_BUILDKIT=0).
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { ContextFilter, readDockerignore } from '@ce/builder/dockerfile';
import { fromServiceError } from '@ce/protocol';
import { packTree } from '@ce/protocol/copy';
import type { BuildResponse } from '@ce/protocol/gen/ce/build/v1/build';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanSize } from '../humanize.js';
import { collect, parseLabels } from '../output.js';

interface BuildFlags {
  tag: string[];
  file?: string;
  buildArg: string[];
  target?: string;
  cache: boolean;
  pull?: boolean;
  label: string[];
  quiet?: boolean;
  iidfile?: string;
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
function buildArgs(list: string[]): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq >= 0) set[entry.slice(0, eq)] = entry.slice(eq + 1);
    else if (process.env[entry] !== undefined) set[entry] = process.env[entry]!;
    else unset.push(entry);
  }
  return { set, unset };
}

interface PreparedContext {
  tar: AsyncIterable<Uint8Array>;
  dockerfilePath: string;
  dockerfileText: string;
}

async function prepareContext(path: string, flags: BuildFlags): Promise<PreparedContext> {
  if (path === '-') {
    if (flags.file === '-') throw new CliExit(1, 'invalid argument: can\'t use stdin for both build context and dockerfile');
    const data = await readAll(process.stdin);
    if (isArchive(data)) return { tar: Readable.from([data]), dockerfilePath: flags.file ?? '', dockerfileText: '' };
    return { tar: Readable.from([]), dockerfilePath: '', dockerfileText: data.toString('utf8') };
  }
  if (/^(https?|git):\/\/|^git@|^github\.com\//.test(path)) throw new CliExit(1, `unable to prepare context: ce build takes a local folder or -, not ${path}`);
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CliExit(1, `unable to prepare context: path "${path}" not found`);
  if (!statSync(dir).isDirectory()) throw new CliExit(1, `unable to prepare context: context must be a directory: ${dir}`);
  let dockerfileText = '';
  let dockerfilePath = 'Dockerfile';
  if (flags.file === '-') {
    dockerfileText = (await readAll(process.stdin)).toString('utf8');
    dockerfilePath = '';
  } else {
    const file = flags.file ? resolve(flags.file) : join(dir, 'Dockerfile');
    if (!existsSync(file)) throw new CliExit(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory`);
    const rel = relative(dir, file);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      // Outside the context: sent as text, as docker adds it to the context under a name of its own.
      dockerfileText = await readFile(file, 'utf8');
      dockerfilePath = '';
    } else dockerfilePath = rel.split(sep).join('/');
  }
  const patterns = readDockerignore(await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => ''));
  const filter = new ContextFilter(patterns, dockerfilePath ? { dockerfile: dockerfilePath } : { dockerfileFromStdin: true });
  return { tar: packTree(dir, { decide: (p, isDir) => filter.decide(p, isDir), owner: { uid: 0, gid: 0 } }), dockerfilePath, dockerfileText };
}

async function runBuild(conn: Connection, path: string, flags: BuildFlags): Promise<void> {
  const prepared = await prepareContext(path, flags);
  const args = buildArgs(flags.buildArg);
  const call = conn.builder.build();
  let imageId = '';
  let exitCode = 0;
  let started = false;
  const done = new Promise<void>((resolveDone, reject) => {
    call.on('data', (res: BuildResponse) => {
      if (res.output) {
        started = true;
        process.stdout.write(res.output);
      }
      if (res.imageId) imageId = res.imageId;
      if (res.failedExitCode) exitCode = res.failedExitCode;
    });
    call.on('error', (err: Error) => reject(fromServiceError(err, conn.target)));
    call.on('end', () => resolveDone());
  });
  done.catch(() => undefined);
  // ctrl-c: the daemon stops the step's container and removes what the build made.
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
        tags: flags.tag,
        buildArgs: args.set,
        unsetBuildArgs: args.unset,
        target: flags.target ?? '',
        noCache: !flags.cache,
        pull: flags.pull ?? false,
        labels: parseLabels(flags.label),
        quiet: flags.quiet ?? false,
        network: flags.network ?? '',
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
    if (!flags.quiet) process.stdout.write(`Sending build context to Docker daemon  ${humanSize(sent, 4)}\n`);
    await done;
  } catch (err) {
    if (interrupted) throw new CliExit(130);
    if (started) throw new CliExit(exitCode || 1, (err as Error).message);
    throw new CliExit(1, daemonErrorMessage(err, conn.target));
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (flags.quiet) process.stdout.write(`${imageId}\n`);
  if (flags.iidfile) await writeFile(flags.iidfile, imageId);
}

export function registerBuild(program: Command, connect: () => Connection): void {
  program
    .command('build')
    .description('Build an image from a Dockerfile')
    .usage('[OPTIONS] PATH | URL | -')
    .argument('[path]')
    .option('-t, --tag <name>', "Name and optionally a tag in the 'name:tag' format", collect, [])
    .option('-f, --file <path>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
    .option('--build-arg <arg>', 'Set build-time variables', collect, [])
    .option('--target <stage>', 'Set the target build stage to build.')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('--label <label>', 'Set metadata for an image', collect, [])
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--iidfile <file>', 'Write the image ID to the file')
    .option('--network <mode>', 'Set the networking mode for the RUN instructions during build', 'default')
    .action(async (path: string | undefined, flags: BuildFlags) => {
      if (path === undefined) {
        throw new CliExit(1, `"ce build" requires exactly 1 argument.\nSee 'ce build --help'.\n\nUsage:  ce build [OPTIONS] PATH | URL | -\n\nBuild an image from a Dockerfile`);
      }
      await runBuild(connect(), path, flags);
    });
}
