import { unary } from '@ce/protocol';
import type { ListImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { humanDuration, humanSize, table } from '../humanize.js';

/** docker.io/library/busybox:latest → ["busybox", "latest"] (Docker's familiar form). */
export function repositoryAndTag(name: string): [string, string] {
  let repo = name;
  let tag = '<none>';
  const at = repo.indexOf('@');
  if (at >= 0) repo = repo.slice(0, at);
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
  }
  repo = repo.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  return [repo, tag];
}

export function registerImages(program: Command, connect: () => Connection): void {
  program
    .command('images')
    .description('List images')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--no-trunc', "Don't truncate output")
    .action(async (opts: { quiet?: boolean; trunc: boolean }) => {
      const conn = connect();
      let res: ListImagesResponse;
      try {
        res = await unary<ListImagesResponse>((cb) => conn.images.list({}, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const id = (full: string) => (opts.trunc ? full.replace(/^sha256:/, '').slice(0, 12) : full);
      if (opts.quiet) {
        process.stdout.write([...new Set(res.images.map((i) => id(i.id)))].map((i) => `${i}\n`).join(''));
        return;
      }
      const now = Date.now();
      const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
      for (const image of res.images) {
        const [repo, tag] = repositoryAndTag(image.name);
        const created = image.createdAt ? `${humanDuration(now - image.createdAt.getTime())} ago` : 'N/A';
        rows.push([repo, tag, id(image.id), created, humanSize(image.size)]);
      }
      process.stdout.write(table(rows));
    });
}
