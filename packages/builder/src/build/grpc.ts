// ce.build.v1.Builder over a Builder: the first request's options, the
// context tar from the next ones, the output streamed back as it comes.
import { adaptService, CeError, invalidArgument, type PromiseService } from '@ce/protocol';
import { BuilderService, type BuildOptions as BuildOptionsPb, type BuildRequest, type BuildResponse } from '@ce/protocol/gen/ce/build/v1/build';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { BuildError } from './build-error.js';
import { unpackContext } from './build-context.js';
import type { Builder, BuildOptions } from './executor.js';
import type { ParseDockerfile } from './ports.js';
import { buildFilesToRemove, readDockerignore } from '../dockerfile/index.js';
import type { Dockerfile } from '../dockerfile/types.js';

export interface BuilderServiceParts {
  builder: Builder;
  parse: ParseDockerfile;
  /** Where contexts are unpacked. */
  scratchDir: string;
}

async function* contextChunks(first: BuildRequest, call: AsyncIterable<BuildRequest>): AsyncGenerator<Uint8Array> {
  if (first.context.length) yield first.context;
  for await (const req of call) if (req.context.length) yield req.context;
}

function buildOptions(pb: BuildOptionsPb, parse: ParseDockerfile, text: string, fileName: string): BuildOptions {
  let dockerfile: Dockerfile;
  try {
    dockerfile = parse(text, fileName);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  return {
    dockerfile,
    tags: pb.tags,
    buildArgs: { ...Object.fromEntries(pb.unsetBuildArgs.map((k) => [k, undefined])), ...pb.buildArgs },
    ...(pb.target ? { target: pb.target } : {}),
    noCache: pb.noCache,
    pull: pb.pull,
    labels: pb.labels,
    network: pb.network || 'default',
  };
}

function builderServiceImpl(parts: BuilderServiceParts): PromiseService<typeof BuilderService> {
  return {
    async build(call: ServerDuplexStream<BuildRequest, BuildResponse>) {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      const requests = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<BuildRequest>;
      const first = await requests.next();
      const options = first.done ? undefined : first.value.options;
      if (!options) throw invalidArgument('the first build request must carry the options');
      const context = await unpackContext(parts.scratchDir, contextChunks(first.value as BuildRequest, { [Symbol.asyncIterator]: () => requests }));
      const out = (chunk: string | Uint8Array) => {
        if (!options.quiet && !controller.signal.aborted) call.write({ output: Buffer.from(chunk) });
      };
      try {
        const path = options.dockerfilePath || 'Dockerfile';
        const text = options.dockerfileText || (await context.readText(path));
        if (text === undefined) throw invalidArgument(`Cannot locate specified Dockerfile: ${path}`);
        // Docker's removeDockerfile: the .dockerignore and the Dockerfile, sent whatever it says, are not part of what COPY sees when it excludes them.
        const ignored = readDockerignore((await context.readText('.dockerignore')) ?? '');
        await context.drop(buildFilesToRemove(ignored, options.dockerfileText ? '' : path));
        const id = await parts.builder.build(buildOptions(options, parts.parse, text, options.dockerfileText ? 'Dockerfile' : path), context, out, controller.signal);
        call.write({ imageId: id });
        call.end();
      } catch (err) {
        if (err instanceof BuildError) {
          if (err.exitCode !== undefined && !controller.signal.aborted) call.write({ failedExitCode: err.exitCode });
          throw new CeError('FailedPrecondition', err.message);
        }
        throw err;
      } finally {
        await context.remove();
      }
    },
    async prune() {
      return parts.builder.prune();
    },
  };
}

export function builderGrpcService(parts: BuilderServiceParts): [typeof BuilderService, ReturnType<typeof adaptService>] {
  return [BuilderService, adaptService(BuilderService, builderServiceImpl(parts))];
}
