import type { Writable } from 'node:stream';
import type { HistoryRow } from './images/history.js';
import type { Descriptor, OciImageConfig } from './oci/types.js';

/** An image as ce.images.v1 carries it: what a remote client sees. */
export interface ImageInfo {
  /** Normalised reference: "docker.io/library/hello-world:latest". */
  name: string;
  /** The manifest or index the name points at. */
  target: Descriptor;
  /** The image id: the digest of its config, "sha256:…". */
  id: string;
  /** When this name was first recorded in the store (the config's `created` is the build date). */
  createdAt: Date;
  /** Compressed size of the image's layers, in bytes. */
  size: number;
  /** The record's labels (not the config's Labels). */
  labels: Record<string, string>;
}

/** An image of the local store: the info plus its config (entrypoint, env, rootfs…). */
export interface ImageRecord extends ImageInfo {
  config: OciImageConfig;
}

export interface RemoveImageResult {
  /** Names removed, in familiar form ("hello-world:latest"). */
  untagged: string[];
  /** Image ids no name points at any more. */
  deleted: string[];
}

/**
 * The image store's boundary face: implemented locally by ImageStore and
 * remotely by ImagesGrpcClient, so callers do not know which they hold.
 */
export interface ImageService {
  list(): Promise<ImageInfo[]>;
  get(reference: string): Promise<ImageInfo>;
  remove(reference: string, options?: { force?: boolean }): Promise<RemoveImageResult>;
  importOciLayout(dir: string, options?: { name?: string }): Promise<ImageInfo[]>;
  tag(source: string, target: string): Promise<ImageInfo>;
  load(source: AsyncIterable<Uint8Array>, options?: { name?: string }): Promise<ImageInfo[]>;
  save(references: string[], out: Writable): Promise<void>;
  prune(options?: { all?: boolean }): Promise<PruneResult>;
  details(reference: string): Promise<ImageDetails>;
  diskUsage(): Promise<DiskUsage>;
  /** `docker import`: a one-layer image from a tar (or gzip tar) stream. */
  importImage(source: AsyncIterable<Uint8Array>, options: ImportImageOptions): Promise<ImageInfo>;
  /** `docker history`: newest entry first. */
  history(reference: string): Promise<HistoryRow[]>;
}

export interface ImportImageOptions {
  /** REPO[:TAG] of the new image. */
  name: string;
  /** The history entry's comment (Docker: "Imported from -" when none is given). */
  comment?: string;
  /** Dockerfile instructions for the config (-c). */
  changes?: string[];
}

/** What `docker image inspect` shows, with the documents verbatim. */
export interface ImageDetails {
  image: ImageInfo;
  /** Every name of the image's id, in familiar form ("busybox:latest"). */
  repoTags: string[];
  /** Names that carry a digest ("busybox@sha256:…"). */
  repoDigests: string[];
  config: Buffer;
  manifest: Buffer;
  manifestDescriptor: Descriptor;
}

export interface PruneResult extends RemoveImageResult {
  /** Bytes of blobs, unpacked layers and partial downloads deleted. */
  reclaimedBytes: number;
  /** Digests of the partial downloads removed: what failed pulls left, none a pull in progress holds. */
  partialDownloads: string[];
}

/** A blob download in the store's ingest folder, in progress or left by a failed pull. */
export interface PartialDownload {
  digest: string;
  /** Bytes on disk so far. */
  size: number;
  /** A pull in progress holds it (prune leaves it alone). */
  active: boolean;
}

/** `docker system df` for the image store. */
export interface DiskUsage {
  images: {
    id: string;
    names: string[];
    /** Bytes of the image's layers (unpacked size; compressed for layers not unpacked yet). */
    size: number;
    /** Bytes of layers other images use too. */
    sharedSize: number;
    uniqueSize: number;
    /** Containers using the image. */
    containers: number;
  }[];
  /** Containers' writable layers. */
  containers: { key: string; imageId: string; size: number }[];
  /** Bytes of all images' layers, each counted once. */
  layersSize: number;
  partialDownloads: PartialDownload[];
}
