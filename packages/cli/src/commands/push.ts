import type { Command } from 'commander';
import type { PushResponse } from '@ce/protocol/gen/ce/images/v1/images';
import { readStream } from '@ce/protocol';
import { parseReference } from '@ce/protocol/registry-auth';
import type { Connection } from '../connection.js';
import { CliExit, registryCommandErrorMessage } from '../errors.js';
import { ProgressPrinter } from '../progress.js';
import { credentialsAuth } from './pull.js';

export function registerPush(program: Command, connect: () => Connection): void {
  program
    .command('push')
    .description('Upload an image to a registry')
    .usage('[OPTIONS] NAME[:TAG]')
    .argument('<name>')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, opts: { quiet?: boolean }) => {
      let ref;
      try {
        ref = parseReference(name);
      } catch (err) {
        throw new CliExit(1, (err as Error).message);
      }
      const out = process.stdout;
      if (!opts.quiet) {
        if (parseReference(name, { defaultTag: false }).tag === undefined && !ref.digest) out.write('Using default tag: latest\n');
        out.write(`The push refers to repository [${ref.name}]\n`);
      }
      const conn = connect();
      const printer = new ProgressPrinter(out, !!out.isTTY);
      const call = conn.images.push({ reference: name, auth: await credentialsAuth(name) });
      try {
        for await (const msg of readStream<PushResponse>(call, conn.target)) {
          if (msg.progress && !opts.quiet) printer.update(msg.progress);
          if (msg.result) {
            if (opts.quiet) out.write(`${ref.familiar()}\n`);
            else out.write(`${ref.tag}: digest: ${msg.result.digest} size: ${msg.result.size}\n`);
          }
        }
      } catch (err) {
        throw new CliExit(1, registryCommandErrorMessage(err, conn.target));
      }
    });
}
