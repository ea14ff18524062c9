// docker-compose 1.29's build of one service (its default, the docker CLI's
// classic build): "Building web", then the builder's output on stdout; the
// image tagged <project>_<service> or the service's image name. A failure
// prints the builder's words and ends as 1.29's does ("Service 'web' failed
// to build : Build failed", exit 1).
import type { Connection } from '../connection.js';
import { CliExit } from '../errors.js';
import { buildImage } from '../image-build.js';
import { dockerfilePath, unsupportedBuildOptions } from './build-config.js';
import { ComposeError } from './compose-error.js';
import type { ComposeProject, ServiceConfig } from './model.js';
import { serviceImage } from './naming.js';

export interface ServiceBuildOptions {
  noCache?: boolean;
  pull?: boolean;
  /** --build-arg KEY=VALUE or KEY, over the file's args. */
  buildArgs?: string[];
  /** -q: no "Building" line, no builder output. */
  quiet?: boolean;
}

/** The file's args over which --build-arg go; a KEY without a value takes the environment's, else stays unset. */
export function serviceBuildArgs(fileArgs: Record<string, string | null>, cliArgs: string[], env: Record<string, string | undefined>) {
  const merged: Record<string, string | null> = { ...fileArgs };
  for (const entry of cliArgs) {
    const eq = entry.indexOf('=');
    merged[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? null : entry.slice(eq + 1);
  }
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(merged)) {
    const resolved = value ?? env[key];
    if (resolved === undefined) unset.push(key);
    else set[key] = resolved;
  }
  return { set, unset };
}

const discard = { write: () => true } as unknown as NodeJS.WritableStream;

export function serviceBuilder(conn: Connection, project: ComposeProject, o: ServiceBuildOptions = {}) {
  return async (service: ServiceConfig): Promise<void> => {
    const build = service.build;
    if (!build) return;
    const unsupported = unsupportedBuildOptions(build);
    if (unsupported.length) {
      throw new ComposeError(`Service '${service.name}' cannot be built by ce: build option${unsupported.length > 1 ? 's' : ''} ${unsupported.join(', ')} not supported by ce build.`);
    }
    if (!o.quiet) process.stderr.write(`Building ${service.name}\n`);
    const args = serviceBuildArgs(build.args ?? {}, o.buildArgs ?? [], process.env);
    const tags = [serviceImage(project.name, service), ...((build.tags as string[] | undefined) ?? [])];
    try {
      await buildImage(
        conn,
        build.context,
        {
          file: dockerfilePath(build),
          tags,
          buildArgs: args.set,
          unsetBuildArgs: args.unset,
          target: build.target,
          noCache: !!(o.noCache || build.no_cache),
          pull: !!(o.pull || build.pull),
          labels: build.labels ?? {},
          quiet: !!o.quiet,
          network: build.network,
        },
        o.quiet ? discard : process.stdout,
      );
    } catch (err) {
      if (!(err instanceof CliExit) || err.exitCode === 130) throw err;
      if (err.message) process.stderr.write(`${err.message}\n`);
      throw new ComposeError(`Service '${service.name}' failed to build : Build failed`);
    }
  };
}
