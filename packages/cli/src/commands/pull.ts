import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { PullResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { readStream } from '@ce/protocol';
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
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, opts: { platform?: string; quiet?: boolean }) => {
      try {
        await pullImage(connect(), name, { out: process.stdout, quiet: !!opts.quiet, platform: opts.platform, fullName: true });
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

/** Pulls `name`, printing the progress as docker pull does. */
export async function pullImage(conn: Connection, name: string, o: PullOutput): Promise<void> {
  let ref;
  try {
    ref = parseReference(name);
  } catch (err) {
    throw new PullError((err as Error).message);
  }
  const typedTag = parseReference(name, { defaultTag: false }).tag;
  const out = o.out;
  if (!o.quiet && o.fullName && !ref.digest && typedTag === undefined) out.write('Using default tag: latest\n');
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
  try {
    for await (const msg of readStream<PullResponse>(call, conn.target)) {
      announce();
      if (msg.progress && !o.quiet) printer.update(msg.progress);
      if (msg.result) {
        const familiar = familiarReference(msg.result.name);
        if (!o.quiet) {
          out.write(`Digest: ${msg.result.digest}\n`);
          out.write(`Status: ${msg.result.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiar}\n`);
        }
        if (o.fullName) out.write(`${msg.result.name}\n`);
      }
    }
  } catch (err) {
    throw new PullError(registryCommandErrorMessage(err, conn.target));
  }
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
