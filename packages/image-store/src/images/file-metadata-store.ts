import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import type { Descriptor } from '../oci/types.js';
import { hasLabel } from '../prune-filter.js';
import { fsyncDir, isErrno, writeFileAtomic } from '../util/fs.js';
import { checkLabels } from '../util/labels.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { ImageFilter, ImageMeta, ImageMetadataStore, NewImageMeta } from './image-metadata-store.js';

export type { ImageMeta } from './image-metadata-store.js';

interface ImageFile {
  version: 1;
  name: string;
  target: Descriptor;
  labels: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/**
 * name → target records, one JSON file per name under `dir`
 * (`<sha256 of the name>.json`), each replaced atomically (temporary file,
 * fsync, rename, fsync of the directory), so a crash leaves every record
 * either old or new. Records are cached in memory; this process owns `dir`.
 */
export class FileImageMetadataStore implements ImageMetadataStore {
  private readonly records = new Map<string, ImageMeta>();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  static async open(dir: string, logger: Logger = silentLogger): Promise<FileImageMetadataStore> {
    const store = new FileImageMetadataStore(dir, logger);
    await mkdir(dir, { recursive: true });
    for (const entry of await readdir(dir)) {
      const path = join(dir, entry);
      if (entry.startsWith('.tmp-')) {
        await unlink(path).catch(() => undefined); // a write interrupted before its rename
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      try {
        const file = JSON.parse(await readFile(path, 'utf8')) as ImageFile;
        if (file.version !== 1 || typeof file.name !== 'string' || fileName(file.name) !== entry) {
          throw new Error('not an image record of this store');
        }
        store.records.set(file.name, {
          name: file.name,
          target: file.target,
          labels: file.labels ?? {},
          createdAt: new Date(file.createdAt),
          updatedAt: new Date(file.updatedAt),
        });
      } catch (err) {
        logger.warn({ path, err }, 'ignoring unreadable image record');
      }
    }
    return store;
  }

  async list(filter: ImageFilter = {}): Promise<ImageMeta[]> {
    const terms = filter.labels ?? [];
    return [...this.records.values()]
      .filter((r) => (filter.name === undefined || r.name === filter.name) && (filter.target === undefined || r.target.digest === filter.target))
      .filter((r) => terms.every((t) => hasLabel(r.labels, t)))
      .map(clone);
  }

  async get(name: string): Promise<ImageMeta | undefined> {
    const r = this.records.get(name);
    return r && clone(r);
  }

  async put(meta: NewImageMeta): Promise<ImageMeta> {
    if (!meta.name) throw invalidArgument('an image record needs a name');
    if (!meta.target?.digest || !meta.target.mediaType) throw invalidArgument(`image record ${meta.name}: the target needs a media type and a digest`);
    checkLabels(meta.labels, `labels of image ${meta.name}`);
    const now = new Date();
    const previous = this.records.get(meta.name);
    const record: ImageMeta = {
      name: meta.name,
      target: meta.target,
      labels: { ...meta.labels },
      createdAt: meta.createdAt ?? previous?.createdAt ?? now,
      updatedAt: now,
    };
    const file: ImageFile = {
      version: 1,
      name: record.name,
      target: record.target,
      labels: record.labels,
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
    };
    await writeFileAtomic(join(this.dir, fileName(record.name)), JSON.stringify(file, null, 2) + '\n');
    this.records.set(record.name, record);
    this.logger.debug({ name: record.name, target: record.target.digest }, 'image record written');
    return clone(record);
  }

  async delete(name: string): Promise<boolean> {
    if (!this.records.has(name)) return false;
    try {
      await unlink(join(this.dir, fileName(name)));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    await fsyncDir(this.dir);
    this.records.delete(name);
    return true;
  }
}

const fileName = (name: string): string => `${createHash('sha256').update(name).digest('hex')}.json`;

const clone = (r: ImageMeta): ImageMeta => ({
  ...r,
  target: structuredClone(r.target),
  labels: { ...r.labels },
  createdAt: new Date(r.createdAt),
  updatedAt: new Date(r.updatedAt),
});
