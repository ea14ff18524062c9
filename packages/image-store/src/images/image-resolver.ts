import { invalidArgument, notFound } from '@ce/protocol';
import type { ContentReader } from '../content/content-store.js';
import { shortId } from '../digest.js';
import { formatPlatform, platformScore } from '../oci/platform.js';
import type { Descriptor, OciImageConfig, OciManifest, Platform } from '../oci/types.js';
import { isImageManifest, parseImageConfig, parseIndexOrManifest } from '../oci/validate.js';
import { familiarReference, isIdLike, parseReference } from '../reference/reference.js';
import type { ImageRecord } from '../types.js';
import type { Logger } from '../util/logger.js';
import type { ImageMeta, ImageMetadataStore } from './image-metadata-store.js';

/** An image target resolved for one platform: the manifest picked, and its config. */
export interface ResolvedImage {
  manifestDesc: Descriptor;
  manifest: OciManifest;
  config: OciImageConfig;
}

/**
 * Turns image records (name → target) into runnable images for one platform,
 * reading manifests and configs from the content store, and finds images as
 * Docker does (names, ids, id prefixes, digests). Resolutions are cached by
 * target digest: content never changes, it can only be collected (forget).
 */
export class ImageResolver {
  private readonly resolved = new Map<string, ResolvedImage>();

  constructor(
    private readonly content: ContentReader,
    private readonly metadata: ImageMetadataStore,
    readonly platform: Platform,
    private readonly logger: Logger,
  ) {}

  /** Picks this store's platform from an index (recursively) and reads manifest and config. */
  async resolve(target: Descriptor, name: string): Promise<ResolvedImage> {
    const cached = this.resolved.get(target.digest);
    if (cached) return cached;
    let desc = target;
    for (let depth = 0; ; depth++) {
      if (depth > 4) throw invalidArgument(`image ${familiarReference(name)}: indexes nested too deeply`);
      const doc = parseIndexOrManifest(await this.content.readBlob(desc.digest), desc);
      if (doc.kind === 'manifest') {
        if (!isImageManifest(doc.manifest)) {
          throw invalidArgument(`${familiarReference(name)} is not a container image (config type ${doc.manifest.config.mediaType})`);
        }
        const config = parseImageConfig(
          await this.content.readBlob(doc.manifest.config.digest),
          `image config ${doc.manifest.config.digest}`,
        );
        const r: ResolvedImage = { manifestDesc: desc, manifest: doc.manifest, config };
        this.resolved.set(target.digest, r);
        return r;
      }
      let best: Descriptor | undefined;
      let bestScore = -1;
      for (const m of doc.index.manifests) {
        const score = platformScore(this.platform, m.platform);
        if (score > bestScore) [best, bestScore] = [m, score];
      }
      if (!best) {
        const have = doc.index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
        throw notFound(
          `image ${familiarReference(name)} has no manifest for ${formatPlatform(this.platform)} (it has: ${have || 'none'})`,
        );
      }
      desc = best;
    }
  }

  /** Drops the resolutions of targets whose blobs were collected. */
  forget(digests: Iterable<string>): void {
    for (const digest of digests) this.resolved.delete(digest);
  }

  async record(meta: ImageMeta): Promise<ImageRecord> {
    const r = await this.resolve(meta.target, meta.name);
    return {
      name: meta.name,
      target: meta.target,
      id: r.manifest.config.digest,
      config: r.config,
      createdAt: meta.createdAt,
      size: r.manifest.layers.reduce((n, l) => n + l.size, 0),
      labels: meta.labels,
      ...(r.config.created && !Number.isNaN(Date.parse(r.config.created)) ? { created: new Date(r.config.created) } : {}),
      configLabels: r.config.config?.Labels ?? {},
    };
  }

  /** All records with their ids; records whose content is broken are logged and left out. */
  async records(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const meta of await this.metadata.list()) {
      try {
        out.push(await this.record(meta));
      } catch (err) {
        this.logger.warn({ name: meta.name, err }, 'image record cannot be resolved');
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Finds the images a reference means: one name, or every name of one id. */
  async lookup(reference: string): Promise<{ byId: boolean; records: ImageRecord[] }> {
    const ref = reference.trim();
    const missing = () => notFound(`No such image: ${familiarReference(ref)}`);
    if (ref === '') throw invalidArgument('an image reference is required');
    const fullId = /^(?:sha256:)?([a-f0-9]{64})$/.exec(ref);
    if (!fullId) {
      let parsed;
      try {
        parsed = parseReference(ref);
      } catch (err) {
        if (!isIdLike(ref)) throw err;
      }
      if (parsed?.digest) {
        const [full, repo, digest] = [parsed.toString(), parsed.name, parsed.digest];
        const exact = await this.metadata.get(full);
        if (exact) return { byId: false, records: [await this.record(exact)] };
        // A tag of the repository whose target has that digest (an image pulled by tag before digest names were recorded).
        const matches = (await this.records()).filter((r) => r.target.digest === digest && parseReference(r.name).name === repo);
        if (matches.length) return { byId: false, records: matches.slice(0, 1) };
      } else if (parsed) {
        const meta = await this.metadata.get(parsed.toString());
        if (meta) return { byId: false, records: [await this.record(meta)] };
      }
      if (!isIdLike(ref)) throw missing();
    }
    const prefix = `sha256:${ref.replace(/^sha256:/, '')}`;
    const all = (await this.records()).filter((r) => r.id.startsWith(prefix));
    const ids = new Set(all.map((r) => r.id));
    if (ids.size === 0) throw missing();
    if (ids.size > 1) throw invalidArgument(`image id prefix ${ref} is ambiguous: it matches ${[...ids].map(shortId).join(', ')}`);
    return { byId: true, records: all };
  }

  /**
   * An image by name ("busybox", normalised), full id, or unique id prefix of
   * at least 4 hex digits ("sha256:" optional). NotFound: "No such image: busybox:latest".
   */
  async get(reference: string): Promise<ImageRecord> {
    return (await this.lookup(reference)).records[0]!;
  }

  /** Records `image.name` → `image.target`, keeping the labels a previous record of the name had; the caller holds the image lock. */
  async name(image: { name: string; target: Descriptor }): Promise<ImageRecord> {
    const previous = await this.metadata.get(image.name);
    const meta = await this.metadata.put({ name: image.name, target: image.target, labels: previous?.labels ?? {} });
    return this.record(meta);
  }
}
