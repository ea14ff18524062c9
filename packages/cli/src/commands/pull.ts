import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { ListTagsResponse, PullResponse, PullResult } from '@ce/protocol/gen/ce/images/v1/images';
import { readStream, unary } from '@ce/protocol';
import { familiarReference, parseReference } from '@ce/protocol/registry-auth';
import type { Connection } from '../connection.js';
import { CliExit, registryCommandErrorMessage } from '../errors.js';
import { ProgressPrinter } from '../progress.js';
import { credentialsFor } from '../registry-credentials.js';

function parsePlatformFlag(value: string): { os: string; architecture: string; variant: string } {
  const [os, architecture, variant = ''] = value.split('/');
  if (!os || !architecture) throw new CliExit(125, `invalid platform "${value}": expected os/arch[/variant]`);
  return { os, architecture, variant };
}

export function registerPull(program: Command, connect: () => Connection): void {
  program
    .command('pull')
    .description('Download an image from a registry')
    .usage('[OPTIONS] NAME[:TAG|@DIGEST]')
    .argument('<name>')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, opts: { allTags?: boolean; platform?: string; quiet?: boolean }) => {
      const output = { out: process.stdout, quiet: !!opts.quiet, platform: opts.platform, fullName: true };
      try {
        await (opts.allTags ? pullAllTags(connect(), name, output) : pullImage(connect(), name, output));
      } catch (err) {
        if (err instanceof PullError) throw new CliExit(1, err.message);
        throw err;
      }
    });
}

/** A pull that failed, with the message docker prints for it. */
export class PullError extends Error {}

export interface PullOutput {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  quiet: boolean;
  platform?: string;
  /** docker pull ends with the image's full name and says when it chose the default tag; docker run's pull does neither. */
  fullName: boolean;
}

function parseName(name: string, options?: { defaultTag: false }) {
  try {
    return parseReference(name, options);
  } catch (err) {
    throw new PullError((err as Error).message);
  }
}

/** Pulls `name`, printing the progress as docker pull does. */
export async function pullImage(conn: Connection, name: string, o: PullOutput): Promise<void> {
  const ref = parseName(name);
  if (!o.quiet && o.fullName && !ref.digest && parseName(name, { defaultTag: false }).tag === undefined) o.out.write('Using default tag: latest\n');
  const result = await pullOne(conn, name, o);
  if (!result) return;
  if (!o.quiet) o.out.write(`Status: ${result.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarReference(result.name)}\n`);
  if (o.fullName) o.out.write(`${result.name}\n`);
}

/**
 * `docker pull --all-tags`: every tag the registry lists for the repository,
 * one after the other as dockerd pulls them, then one status for them all.
 */
export async function pullAllTags(conn: Connection, name: string, o: PullOutput): Promise<void> {
  const ref = parseName(name, { defaultTag: false });
  if (ref.tag !== undefined || ref.digest) throw new PullError("tag can't be used with --all-tags/-a");
  const auth = await credentialsAuth(name);
  let tags: ListTagsResponse;
  try {
    tags = await unary<ListTagsResponse>((cb) => conn.images.listTags({ repository: ref.name, auth }, cb), conn.target);
  } catch (err) {
    throw new PullError(registryCommandErrorMessage(err, conn.target));
  }
  let updated = false;
  for (const tag of tags.tags) updated = ((await pullOne(conn, ref.withTag(tag).toString(), o))?.updated ?? false) || updated;
  if (!o.quiet) o.out.write(`Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${ref.familiarName}\n`);
  o.out.write(`${ref.name}\n`);
}

/** One reference's pull: "Pulling from", the layers' progress and the digest, as dockerd prints them; the result. */
async function pullOne(conn: Connection, name: string, o: PullOutput): Promise<PullResult | undefined> {
  const ref = parseName(name);
  const out = o.out;
  // As dockerd, which says it is pulling once the registry answered with a manifest.
  let announced = o.quiet;
  const announce = () => {
    if (!announced) out.write(`${ref.digest ? ref.toString() : ref.tag}: Pulling from ${ref.path}\n`);
    announced = true;
  };
  const printer = new ProgressPrinter(out as Writable, !!out.isTTY);
  const call = conn.images.pull({
    reference: name,
    platform: o.platform ? parsePlatformFlag(o.platform) : undefined,
    auth: await credentialsAuth(name),
  });
  let result: PullResult | undefined;
  try {
    for await (const msg of readStream<PullResponse>(call, conn.target)) {
      announce();
      if (msg.progress && !o.quiet) printer.update(msg.progress);
      if (msg.result) {
        result = msg.result;
        if (!o.quiet) out.write(`Digest: ${msg.result.digest}\n`);
      }
    }
  } catch (err) {
    throw new PullError(registryCommandErrorMessage(err, conn.target));
  }
  return result;
}

/** The credentials to send with a request for `reference`, in the wire's shape. */
export async function credentialsAuth(reference: string) {
  let creds;
  try {
    creds = await credentialsFor(reference);
  } catch (err) {
    throw new CliExit(1, `error reading the registry credentials: ${(err as Error).message}`);
  }
  if (!creds) return undefined;
  return { username: creds.username ?? '', password: creds.password ?? '', identityToken: creds.identityToken ?? '', registryToken: creds.registryToken ?? '' };
}
