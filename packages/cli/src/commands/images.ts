import { BUILD_CACHE_REPOSITORY, filterImages, unary } from '@ce/protocol';
import type { Image, ListImagesResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliExit, daemonErrorMessage } from '../errors.js';
import { parseFilterFlag } from '../filter-flag.js';
import { parseListFormat, renderListFormat } from '../list-format.js';
import { collect } from '../output.js';
import { imageContext, imagesFormat, imagesHeader, type ImageRow } from '../images-format.js';

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

/** docker.io/library/busybox:latest → busybox:latest. */
export function familiarName(name: string): string {
  return name.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

/** One row per name, as `docker images` shows them; a name by digest gives its digest to the tags of the same repository. */
export function imageRows(images: Image[]): ImageRow[] {
  const digests = new Map<string, string>();
  for (const image of images) {
    const at = image.name.indexOf('@');
    if (at >= 0) digests.set(`${repositoryAndTag(image.name)[0]} ${image.id}`, image.name.slice(at + 1));
  }
  return images.map((image) => {
    const [repository, tag] = repositoryAndTag(image.name);
    // CREATED is when the image was built (its config's created), not when the name was written.
    return { repository, tag, digest: digests.get(`${repository} ${image.id}`), id: image.id, createdAt: image.created, size: image.size };
  });
}

export function registerImages(program: Command, connect: () => Connection): void {
  program
    .command('images')
    .description('List images')
    .argument('[repository]', 'Only images of this repository (docker images REPOSITORY[:TAG])')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('-q, --quiet', 'Only show image IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('--digests', 'Show digests')
    .option('--format <string>', 'Pretty-print images using a Go template')
    .action(async (repository: string | undefined, opts: { all?: boolean; filter: string[]; quiet?: boolean; trunc: boolean; digests?: boolean; format?: string }) => {
      const filters = opts.filter.map((f) => parseFilterFlag(f, 'images'));
      // docker images REPO[:TAG] is a reference filter.
      if (repository) filters.push({ key: 'reference', value: repository });
      const parsed = parseListFormat(imagesFormat(opts.format, !!opts.quiet, !!opts.digests));
      const conn = connect();
      let res: ListImagesResponse;
      try {
        res = await unary<ListImagesResponse>((cb) => conn.images.list({}, cb), conn.target);
      } catch (err) {
        throw new CliExit(1, daemonErrorMessage(err, conn.target));
      }
      const now = Date.now();
      let picked;
      try {
        picked = filterImages(res.images, filters, familiarName);
      } catch (err) {
        throw new CliExit(1, (err as Error).message);
      }
      // The build cache's step images are docker's intermediate images: shown with -a only.
      let rows = imageRows(picked).filter((r) => opts.all || r.repository !== BUILD_CACHE_REPOSITORY);
      if (opts.quiet && opts.format === undefined) {
        // docker images -q lists each image once.
        const seen = new Set<string>();
        rows = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
      }
      process.stdout.write(renderListFormat(parsed, rows.map((r) => imageContext(r, { trunc: opts.trunc, now })), imagesHeader()));
    });
}
