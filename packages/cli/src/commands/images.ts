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

/**
 * The rows of `docker images` (the docker CLI's imageFormatTaggedAndDigest):
 * per image, a row per tag; with `digests`, a row per tag and digest of the
 * same repository; a repository named only by digests gets a `<none>` tag
 * row (one per digest with `digests`).
 */
export function imageRows(images: Image[], digests = true): ImageRow[] {
  const byId = new Map<string, { tags: Map<string, string[]>; digests: Map<string, string[]>; image: Image }>();
  for (const image of images) {
    let entry = byId.get(image.id);
    if (!entry) byId.set(image.id, (entry = { tags: new Map(), digests: new Map(), image }));
    const [repository, tag] = repositoryAndTag(image.name);
    const at = image.name.indexOf('@');
    const [map, value] = at >= 0 ? [entry.digests, image.name.slice(at + 1)] : [entry.tags, tag];
    map.set(repository, [...(map.get(repository) ?? []), value]);
  }
  const rows: ImageRow[] = [];
  for (const { tags, digests: byRepository, image } of byId.values()) {
    // CREATED is when the image was built (its config's created), not when the name was written.
    const row = (repository: string, tag: string, digest?: string) => rows.push({ repository, tag, digest, id: image.id, createdAt: image.created, size: image.size });
    for (const [repository, repositoryTags] of tags) {
      const repositoryDigests = digests ? (byRepository.get(repository) ?? []) : [];
      byRepository.delete(repository);
      for (const tag of repositoryTags) {
        if (!repositoryDigests.length) row(repository, tag);
        for (const digest of repositoryDigests) row(repository, tag, digest);
      }
    }
    for (const [repository, repositoryDigests] of byRepository) {
      if (digests) for (const digest of repositoryDigests) row(repository, '<none>', digest);
      else row(repository, '<none>');
    }
  }
  return rows;
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
      let rows = imageRows(picked, !!opts.digests).filter((r) => opts.all || r.repository !== BUILD_CACHE_REPOSITORY);
      if (opts.quiet && opts.format === undefined) {
        // docker images -q lists each image once.
        const seen = new Set<string>();
        rows = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
      }
      process.stdout.write(renderListFormat(parsed, rows.map((r) => imageContext(r, { trunc: opts.trunc, now })), imagesHeader()));
    });
}
