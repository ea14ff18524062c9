// `ce build [OPTIONS] PATH | -`: the context streamed to ced's ce.build.v1
// Builder (image-build.ts), its output printed as it comes (docker build with
// DOCKER_BUILDKIT=0).
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit } from '../errors.js';
import { buildArgs, buildImage } from '../image-build.js';
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

async function runBuild(conn: Connection, path: string, flags: BuildFlags): Promise<void> {
  const args = buildArgs(flags.buildArg);
  const imageId = await buildImage(conn, path, {
    file: flags.file,
    tags: flags.tag,
    buildArgs: args.set,
    unsetBuildArgs: args.unset,
    target: flags.target,
    noCache: !flags.cache,
    pull: flags.pull ?? false,
    labels: parseLabels(flags.label),
    quiet: flags.quiet ?? false,
    network: flags.network,
  });
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
